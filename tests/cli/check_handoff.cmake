# `ctscope finetune` runs in ctscope-engine through the front binary's
# hand-off (execv, same pid): the exit statuses users see are the engine's.
#   0 a finished sweep, 2 a usage error, 143 SIGTERM / 130 SIGINT mid-sweep
#   (finished metrics kept), 1 with a clear message when the engine is missing.
# Usage: cmake -DCTSCOPE=... -DEXAMPLES=... -DWORK=... -P check_handoff.cmake
file(REMOVE_RECURSE ${WORK})
file(MAKE_DIRECTORY ${WORK})
set(base ${EXAMPLES}/stories260K/stories260K.bin)
set(data ${EXAMPLES}/shakespeare_excerpt.txt)
set(tiny --arms full,amp --basis random --k 4 --seq 32 --batch 2 --seeds 1 --lr-grid 3e-3
         --heldout-windows 2 --threads 2 --quiet)

set(EXPECT_TIMEOUT 120)
include(${CMAKE_CURRENT_LIST_DIR}/expect.cmake)

expect(0 "finetune --help" ${CTSCOPE} finetune --help)
if(NOT out MATCHES "--progress text\\|json")
  message(FATAL_ERROR "finetune --help is not the engine's usage:\n${out}")
endif()
expect(2 "finetune --steps 0" ${CTSCOPE} finetune ${base} --data ${data} --steps 0)
if(NOT err MATCHES "ctscope finetune: --blocks, --steps")
  message(FATAL_ERROR "the usage error does not say what is wrong:\n${err}")
endif()
expect(2 "an unknown flag" ${CTSCOPE} finetune ${base} --data ${data} --no-such-flag)
expect(1 "a missing data file" ${CTSCOPE} finetune ${base} --data ${WORK}/missing.txt --out ${WORK}/none ${tiny})
expect(0 "a short sweep" ${CTSCOPE} finetune ${base} --data ${data} --steps 2 --out ${WORK}/sweep ${tiny})
file(STRINGS ${WORK}/sweep/metrics.jsonl lines)
list(LENGTH lines n)
if(NOT n EQUAL 8)  # two runs: a start marker and steps 0..2 each
  message(FATAL_ERROR "the short sweep wrote ${n} metrics lines, expected 8")
endif()
expect(0 "eval" ${CTSCOPE} eval ${base} --data ${data} --docs 1)
if(NOT out MATCHES "nats/token")
  message(FATAL_ERROR "eval printed no loss:\n${out}")
endif()

# A signal mid-sweep, once the first metrics are written: the engine (same
# pid as the ctscope that was started) stops at a step boundary. No prefix
# cache: it is built for every planned step before training, uninterrupted.
foreach(case "TERM;143" "INT;130")
  list(GET case 0 sig)
  list(GET case 1 want)
  set(dir ${WORK}/stopped-${sig})
  expect(0 "SIG${sig} mid-sweep" bash ${CMAKE_CURRENT_LIST_DIR}/signal_mid_sweep.sh ${sig} ${want}
         ${dir}/metrics.jsonl ${CTSCOPE} finetune ${base} --data ${data} --steps 2000 --no-prefix-cache --out ${dir}
         ${tiny})
  if(NOT EXISTS ${dir}/summary.csv)
    message(FATAL_ERROR "SIG${sig}: the stopped sweep wrote no summary.csv")
  endif()
endforeach()

# Without the engine beside it, ctscope says so (a hard link: /proc/self/exe
# then names the lonely folder).
file(MAKE_DIRECTORY ${WORK}/lonely)
file(CREATE_LINK ${CTSCOPE} ${WORK}/lonely/ctscope COPY_ON_ERROR)
expect(1 "finetune without the engine" ${WORK}/lonely/ctscope finetune ${base} --data ${data})
if(NOT err MATCHES "ctscope-engine, which is not installed beside ctscope")
  message(FATAL_ERROR "no clear message when the engine is missing:\n${err}")
endif()
expect(0 "analyze without the engine" ${WORK}/lonely/ctscope analyze demo --k 4)
message(STATUS "hand-off ok: exit statuses 0, 2, 1, 143, 130 as the engine's")
