# Helpers of the command-line checks (include()d by check_*.cmake).
#   expect(RC WHAT COMMAND...)   runs COMMAND, fails unless it exits RC; sets out and err
#   require(TEXT PATTERN WHAT)   fails unless TEXT matches the regular expression PATTERN
# EXPECT_TIMEOUT (seconds, default 300) bounds each command.
if(NOT DEFINED EXPECT_TIMEOUT)
  set(EXPECT_TIMEOUT 300)
endif()
function(expect rc_want what)
  execute_process(COMMAND ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT ${EXPECT_TIMEOUT})
  if(NOT "${rc}" STREQUAL "${rc_want}")
    message(FATAL_ERROR "${what}: exit ${rc}, expected ${rc_want}\nstdout:\n${out}\nstderr:\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
  set(err "${err}" PARENT_SCOPE)
endfunction()
function(require text pattern what)
  if(NOT text MATCHES "${pattern}")
    message(FATAL_ERROR "${what}: no match for '${pattern}' in:\n${text}")
  endif()
endfunction()
