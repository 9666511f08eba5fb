# `finetune --slurm --dry-run` writes the array script without submitting;
# a folder that holds a sweep is refused without --resume / --overwrite.
# Usage: cmake -DCTSCOPE=... -DEXAMPLES=... -DWORK=... -P check_slurm_dry_run.cmake
file(REMOVE_RECURSE ${WORK})
set(args finetune ${EXAMPLES}/stories260K/stories260K.bin --data ${EXAMPLES}/shakespeare_excerpt.txt
    --seq 32 --batch 2 --steps 2 --seeds 2 --k 4,8 --arms full,amp --basis random --lr-grid 3e-3 --out ${WORK}
    --slurm --tasks 3 --partition gpu --time 1:00:00 --cpus-per-task 4 --gpus-per-task 1
    --sbatch-arg=--account=proj --sbatch-arg --qos=low --dry-run)
execute_process(COMMAND ${CTSCOPE} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "--slurm --dry-run failed (${rc}):\n${out}\n${err}")
endif()
file(READ ${WORK}/slurm/sweep.sbatch script)
foreach(want "#SBATCH --array=0-2" "#SBATCH --requeue" "#SBATCH --signal=B:TERM@120" "#SBATCH --partition=gpu"
        "#SBATCH --time=1:00:00" "#SBATCH --cpus-per-task=4" "#SBATCH --gpus-per-task=1" "#SBATCH --account=proj"
        "#SBATCH --qos=low" "--shard \"\${SLURM_ARRAY_TASK_ID}/3\" --resume" "--threads \"\${SLURM_CPUS_PER_TASK:-0}\""
        "scontrol requeue")
  string(FIND "${script}" "${want}" at)
  if(at EQUAL -1)
    message(FATAL_ERROR "sweep.sbatch lacks '${want}':\n${script}")
  endif()
endforeach()
foreach(unwanted "--slurm" "--dry-run" "--tasks" "--sbatch-arg")
  string(FIND "${script}" "'${unwanted}'" at)
  if(NOT at EQUAL -1)
    message(FATAL_ERROR "sweep.sbatch passes ${unwanted} on to the tasks:\n${script}")
  endif()
endforeach()
file(READ ${WORK}/slurm/plan.json plan)
string(JSON tasks GET "${plan}" tasks)
string(JSON shard0 LENGTH "${plan}" runs 0)
string(JSON first GET "${plan}" runs 0 0)
if(NOT tasks EQUAL 3 OR NOT first MATCHES "^full-")
  message(FATAL_ERROR "plan.json: ${plan}")
endif()
# The status of a sweep not started yet: three shards, nothing finished.
execute_process(COMMAND ${CTSCOPE} sweep status ${WORK} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT out MATCHES "3 shard\\(s\\), 0 run\\(s\\) finished")
  message(FATAL_ERROR "sweep status (${rc}):\n${out}\n${err}")
endif()
# A second --slurm into the folder is refused without --resume or --overwrite.
file(WRITE ${WORK}/sweep.json "{}")
execute_process(COMMAND ${CTSCOPE} ${args} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 1 OR NOT err MATCHES "already holds a sweep")
  message(FATAL_ERROR "a folder that holds a sweep was not refused (${rc}):\n${out}\n${err}")
endif()
execute_process(COMMAND ${CTSCOPE} ${args} --overwrite RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
if(NOT rc EQUAL 0 OR NOT EXISTS ${WORK}.old-1/sweep.json)
  message(FATAL_ERROR "--overwrite did not move the folder aside (${rc}):\n${out}\n${err}")
endif()
file(REMOVE_RECURSE ${WORK}.old-1)
message(STATUS "slurm dry run ok: ${shard0} run(s) on shard 0")
