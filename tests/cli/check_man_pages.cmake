# The man pages help2man made at build time: one for the top level and one per
# subcommand, each naming its own options (so a page cannot be a copy of the
# top level's), and the handed-off commands under `ctscope`, not the engine.
# Usage: cmake -DMANDIR=... -DWITH_UI=ON|OFF -P check_man_pages.cmake
set(pages "ctscope:analyze,export,finetune"
          "ctscope-analyze:precision"
          "ctscope-eval:tokenizer"
          "ctscope-finetune:resume"
          "ctscope-compare:overlay-only"
          "ctscope-tokenize:no-special"
          "ctscope-sweep:merge,status")
if(WITH_UI)
  list(APPEND pages "ctscope-export:width-in,sweep")
endif()
foreach(entry IN LISTS pages)
  string(REPLACE ":" ";" parts "${entry}")
  list(GET parts 0 name)
  list(GET parts 1 words)
  set(file "${MANDIR}/${name}.1")
  if(NOT EXISTS "${file}")
    message(FATAL_ERROR "no man page ${file}")
  endif()
  file(READ "${file}" text)
  # help2man writes '-' as '\-' in option names.
  string(REPLACE "\\-" "-" text "${text}")
  if(NOT text MATCHES "\\.TH ")
    message(FATAL_ERROR "${file} is not a man page")
  endif()
  string(REPLACE "," ";" words "${words}")
  foreach(word IN LISTS words)
    if(NOT text MATCHES "${word}")
      message(FATAL_ERROR "${file} does not mention '${word}'")
    endif()
  endforeach()
  if(text MATCHES "ctscope-engine (eval|finetune)")
    message(FATAL_ERROR "${file} names the engine where the user types ctscope")
  endif()
endforeach()
message(STATUS "man pages ok")
