# The training engine starts libgomp with GOMP_SPINCOUNT=10000
# (core/util/openmp_spin.h): through `ctscope eval`'s hand-off, and when the
# engine is started directly (it re-executes itself once). A user's own
# OMP_WAIT_POLICY or GOMP_SPINCOUNT is left alone, and commands that do not
# train are not re-executed. OMP_DISPLAY_ENV=verbose makes libgomp print the
# spin count it took from its environment, at load time.
# Usage: cmake -DCTSCOPE=... -DENGINE=... -P check_openmp_spin.cmake
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)
set(clean ${CMAKE_COMMAND} -E env --unset=GOMP_SPINCOUNT --unset=OMP_WAIT_POLICY --unset=CTSCOPE_SET_GOMP_SPINCOUNT
    OMP_DISPLAY_ENV=verbose)

expect(0 "ctscope eval --help" ${clean} ${CTSCOPE} eval --help)
# ctscope's own libgomp (through OpenBLAS) prints the default once; the engine it execs, the short spin.
require("${err}${out}" "GOMP_SPINCOUNT = '10000'" "the hand-off to the engine")
string(REGEX MATCHALL "GOMP_SPINCOUNT = '300000'" defaults "${err}${out}")
list(LENGTH defaults n)
if(n GREATER 1)
  message(FATAL_ERROR "the hand-off left the engine to re-execute itself:\n${err}")
endif()

expect(0 "ctscope-engine finetune --help" ${clean} ${ENGINE} finetune --help)
# libgomp's default first, then, after the re-exec, the short spin.
require("${err}${out}" "GOMP_SPINCOUNT = '300000'.*GOMP_SPINCOUNT = '10000'" "the engine started directly")

expect(0 "ctscope-engine analyze --help" ${clean} ${ENGINE} analyze --help)
if("${err}${out}" MATCHES "'10000'")
  message(FATAL_ERROR "analyze should not re-execute the engine:\n${err}")
endif()

expect(0 "a user's OMP_WAIT_POLICY" ${clean} OMP_WAIT_POLICY=active ${ENGINE} finetune --help)
if("${err}${out}" MATCHES "'10000'")
  message(FATAL_ERROR "the engine overrode the user's OMP_WAIT_POLICY:\n${err}")
endif()
message(STATUS "openmp spin ok")
