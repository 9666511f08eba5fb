# `--device` of analyze and compare: cpu is the BLAS engine in either binary;
# a bad value is a usage error; cuda in ctscope (no LibTorch) is handed to
# ctscope-engine, which either runs on the GPU (the numbers then agree with
# the CPU's) or says why there is none (exit 1); auto without a GPU is the CPU.
# Usage: cmake -DCTSCOPE=... -DENGINE=... -DWORK=... -P check_device.cmake
file(MAKE_DIRECTORY ${WORK})
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)

expect(0 "analyze --device cpu" ${CTSCOPE} analyze demo --device cpu --no-cache --quiet --json ${WORK}/cpu.json)
if(out MATCHES "device:")
  message(FATAL_ERROR "--device cpu should not print a device line:\n${out}")
endif()
expect(2 "a bad --device" ${CTSCOPE} analyze demo --device tpu --quiet)
if(NOT err MATCHES "--device expects auto, cpu or cuda, got 'tpu'")
  message(FATAL_ERROR "the bad --device message:\n${err}")
endif()
expect(2 "a bad --device on compare" ${CTSCOPE} compare demo demo --device gpu0 --quiet)

# The engine's auto on this machine and the front's cpu give the same numbers
# when LibTorch sees no GPU (both are the BLAS engine then).
execute_process(COMMAND nvidia-smi -L RESULT_VARIABLE smi_rc OUTPUT_QUIET ERROR_QUIET)
expect(0 "engine analyze --device auto" ${ENGINE} analyze demo --device auto --no-cache --quiet --json ${WORK}/auto.json)
file(READ ${WORK}/cpu.json cpu)
file(READ ${WORK}/auto.json auto)
string(JSON pr_cpu GET "${cpu}" universal pr)
string(JSON pr_auto GET "${auto}" universal pr)
string(JSON e_cpu GET "${cpu}" types q pr)
string(JSON e_auto GET "${auto}" types q pr)

if(NOT smi_rc EQUAL 0)
  if(NOT pr_cpu STREQUAL pr_auto OR NOT e_cpu STREQUAL e_auto)
    message(FATAL_ERROR "engine auto without a GPU differs from cpu: PR ${pr_auto} vs ${pr_cpu}, PR_q ${e_auto} vs ${e_cpu}")
  endif()
  # ctscope has no LibTorch: cuda must reach the engine, whose LibTorch says why there is no GPU.
  expect(1 "analyze --device cuda without a GPU" ${CTSCOPE} analyze demo --device cuda --no-cache --quiet)
  if(NOT err MATCHES "ctscope analyze: --device cuda: no CUDA device is available \\(this LibTorch")
    message(FATAL_ERROR "--device cuda without a GPU did not come from the engine's LibTorch:\n${err}")
  endif()
  expect(1 "compare --device cuda without a GPU" ${CTSCOPE} compare demo demo --device cuda --quiet)
  message(STATUS "device ok (no GPU here: cuda reached the engine and was refused; the GPU numbers are not checked)")
else()
  expect(0 "analyze --device cuda" ${CTSCOPE} analyze demo --device cuda --quiet --json ${WORK}/cuda.json)
  if(NOT out MATCHES "device: cuda")
    message(FATAL_ERROR "no device line:\n${out}")
  endif()
  file(READ ${WORK}/cuda.json cuda)
  string(JSON pr_cuda GET "${cuda}" universal pr)
  string(JSON e_cuda GET "${cuda}" types q pr)
  foreach(pair "${pr_cuda}:${pr_cpu}" "${e_cuda}:${e_cpu}")
    string(REPLACE ":" ";" v "${pair}")
    list(GET v 0 a)
    list(GET v 1 b)
    # |a - b| <= 1e-6 |b| (float64 on both devices), in CMake's string arithmetic via a tiny script.
    execute_process(COMMAND python3 -c "import sys; a,b=float('${a}'),float('${b}'); sys.exit(0 if abs(a-b)<=1e-6*abs(b) else 1)"
                    RESULT_VARIABLE close)
    if(NOT close EQUAL 0)
      message(FATAL_ERROR "cuda and cpu disagree: ${a} vs ${b}")
    endif()
  endforeach()
  message(STATUS "device ok (cuda agrees with cpu)")
endif()
