# The README's whole flow on the shipped example, small: finetune with --save,
# compare the base with the saved fine-tune, export everything headless.
# Usage: cmake -DCTSCOPE=... -DEXAMPLES=... -DWORK=... -P check_flow.cmake
file(REMOVE_RECURSE ${WORK})
set(base ${EXAMPLES}/stories260K/stories260K.bin)
function(run what)
  execute_process(COMMAND ${CTSCOPE} ${ARGN} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
  if(NOT rc EQUAL 0)
    message(FATAL_ERROR "ctscope ${what} failed (${rc}):\n${out}\n${err}")
  endif()
  set(out "${out}" PARENT_SCOPE)
endfunction()

run(finetune finetune ${base} --data ${EXAMPLES}/shakespeare_excerpt.txt --arms full,amp --basis universal
    --k 4,16 --steps 3 --seq 64 --batch 4 --seeds 1 --lr-grid 3e-3 --heldout-windows 2 --threads 2
    --out ${WORK}/sweep --save ${WORK}/tuned --quiet)
if(NOT out MATCHES "saved run full-s0-lr3e-3 to")
  message(FATAL_ERROR "finetune did not report the saved run:\n${out}")
endif()
foreach(f sweep/metrics.jsonl sweep/summary.csv sweep/sweep.json tuned/config.json tuned/model.safetensors tuned/tokenizer.model)
  if(NOT EXISTS ${WORK}/${f})
    message(FATAL_ERROR "missing ${f}")
  endif()
endforeach()

run(compare compare ${base} ${WORK}/tuned --k 4,16 --json ${WORK}/compare.json --quiet)
file(READ ${WORK}/compare.json json)
string(JSON rel GET "${json}" types q rel_change)
string(JSON cu GET "${json}" types q captured_universal 16)
string(JSON erel GET "${json}" types embed rel_change)
if(rel LESS_EQUAL 0 OR cu LESS_EQUAL 0 OR cu GREATER 1.000001 OR NOT erel EQUAL 0)
  message(FATAL_ERROR "unexpected update: q rel_change ${rel}, captured@16 ${cu}, embed rel_change ${erel}")
endif()

run(eval eval ${WORK}/tuned --data ${EXAMPLES}/shakespeare_excerpt.txt --docs 1)
if(NOT out MATCHES "nats/token")
  message(FATAL_ERROR "eval of the saved folder printed no loss:\n${out}")
endif()

run(export export ${base} ${WORK}/tuned --sweep ${WORK}/sweep --out ${WORK}/figures --format svg --quiet)
foreach(f frontier.csv budget.csv update_capture.csv efficiency_frontier.csv efficiency_frontier_table.csv
          overlay_pr.svg update_captured.svg finetune_loss.svg figures.json)
  if(NOT EXISTS ${WORK}/figures/${f})
    file(GLOB have RELATIVE ${WORK}/figures ${WORK}/figures/*)
    message(FATAL_ERROR "export wrote no ${f}; it wrote: ${have}")
  endif()
endforeach()
message(STATUS "flow ok: q rel_change ${rel}, captured_universal@16 ${cu}")
