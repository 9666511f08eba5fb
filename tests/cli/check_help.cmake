# The top level and the subcommands' help: `--help`, `help CMD` (= CMD --help),
# --version on every subcommand, "did you mean" with exit 2 for a typo, exit 2
# for unknown options, and the exit codes in the top-level help.
# Usage: cmake -DCTSCOPE=... -DENGINE=... -DWITH_UI=ON|OFF -P check_help.cmake
set(EXPECT_TIMEOUT 60)
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)

expect(0 "ctscope --help" ${CTSCOPE} --help)
foreach(cmd analyze eval finetune export compare tokenize sweep help)
  require("${out}" "\n  ${cmd} +[a-zA-Z]" "ctscope --help lists ${cmd}")
endforeach()
require("${out}" "exit codes:.*  2 +a usage error.*  130 +cancelled" "ctscope --help lists the exit codes")
expect(0 "ctscope -h" ${CTSCOPE} -h)
expect(0 "ctscope help" ${CTSCOPE} help)
expect(0 "ctscope --version" ${CTSCOPE} --version)
require("${out}" "^ctscope [0-9]+\\.[0-9]+" "ctscope --version")

foreach(cmd analyze compare tokenize sweep export eval finetune)
  expect(0 "ctscope ${cmd} --help" ${CTSCOPE} ${cmd} --help)
  set(direct "${out}")
  # eval and finetune are handed to ctscope-engine, which still says what the user typed.
  require("${direct}" "Usage: ctscope ${cmd} " "${cmd} --help names the command as typed")
  require("${direct}" "--version" "${cmd} --help lists --version")
  expect(0 "ctscope help ${cmd}" ${CTSCOPE} help ${cmd})
  if(NOT out STREQUAL direct)
    message(FATAL_ERROR "ctscope help ${cmd} differs from ctscope ${cmd} --help:\n${out}\n----\n${direct}")
  endif()
  expect(0 "ctscope ${cmd} --version" ${CTSCOPE} ${cmd} --version)
  require("${out}" "^ctscope [0-9]+\\.[0-9]+" "${cmd} --version")
endforeach()

expect(2 "a typo" ${CTSCOPE} anlyze demo)
require("${err}" "ctscope: unknown command 'anlyze', did you mean 'analyze'\\?" "the typo's message")
expect(2 "a transposition" ${CTSCOPE} tokenzie)
require("${err}" "did you mean 'tokenize'" "the transposition's message")
expect(2 "nothing close" ${CTSCOPE} zzzzzzzzz)
require("${err}" "unknown command 'zzzzzzzzz'" "the unknown word's message")
expect(2 "help of an unknown command" ${CTSCOPE} help finetun)
require("${err}" "did you mean 'finetune'" "help's suggestion")
expect(2 "an unknown top-level option" ${CTSCOPE} --no-such-option)
expect(2 "an unknown subcommand option" ${CTSCOPE} analyze demo --k 4 --no-such-option)
require("${err}" "ctscope analyze: .*no-such-option" "the unknown option's message")
expect(2 "a missing value" ${CTSCOPE} analyze demo --k)
expect(2 "a value given to a switch" ${CTSCOPE} analyze demo --quiet=yes)

# A checkpoint path opens the window: without a display that is a clear exit 1
# (no Qt abort), and in a build without the window exit 2.
if(WITH_UI)
  set(no_window_rc 1)
else()
  set(no_window_rc 2)
endif()
expect(${no_window_rc} "the window without a display" ${CMAKE_COMMAND} -E env --unset=DISPLAY
       --unset=WAYLAND_DISPLAY --unset=QT_QPA_PLATFORM ${CTSCOPE} demo)
require("${err}" "ctscope: " "the no-window message")

expect(0 "ctscope-engine --help" ${ENGINE} --help)
require("${out}" "exit codes:" "ctscope-engine --help lists the exit codes")
expect(2 "an engine typo" ${ENGINE} finetnue)
require("${err}" "ctscope-engine: unknown command 'finetnue', did you mean 'finetune'\\?" "the engine's typo")
expect(2 "export in the engine" ${ENGINE} export demo)
expect(2 "the engine without a command" ${ENGINE})
message(STATUS "help ok")
