# `--json -` writes the JSON to stdout, and nothing else goes there (tables
# and progress go to stderr).
# Usage: cmake -DCTSCOPE=... -DTOKENIZER=... -P check_json_stdout.cmake
execute_process(COMMAND ${CTSCOPE} analyze demo --k 4,16 --no-cache --json - RESULT_VARIABLE rc
                OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 120)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "analyze --json - failed (${rc}):\n${err}")
endif()
string(JSON d ERROR_VARIABLE jerr GET "${out}" d_model)
if(jerr OR d LESS 1)
  message(FATAL_ERROR "stdout of analyze --json - is not the analysis JSON (${jerr}):\n${out}")
endif()
if(NOT err MATCHES "d_model")
  message(FATAL_ERROR "the tables did not go to stderr:\n${err}")
endif()
execute_process(COMMAND ${CTSCOPE} tokenize ${TOKENIZER} --text "Hello world" --no-special --json -
                RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err TIMEOUT 60)
if(NOT rc EQUAL 0)
  message(FATAL_ERROR "tokenize --json - failed (${rc}):\n${err}")
endif()
string(JSON ids ERROR_VARIABLE jerr GET "${out}" ids)
string(REGEX REPLACE "[ \n]" "" ids "${ids}")
if(jerr OR NOT ids STREQUAL "[39,695,78,995]")
  message(FATAL_ERROR "tokenize --json - wrote '${ids}' (${jerr}):\n${out}")
endif()
message(STATUS "--json - ok: d_model ${d}, ids ${ids}")
