# Converts one .wast with wast2json into its own directory. A file wast2json
# cannot read must not fail the build: it leaves <name>.wast2json-error behind
# (the runner then reports it, and tests/spec/skips.txt lists it).
#   cmake -DWAST2JSON=... -DWAST=... -DOUT_DIR=... -DSTAMP=... -P convert.cmake
get_filename_component(name ${WAST} NAME_WLE)
file(REMOVE_RECURSE ${OUT_DIR})
file(MAKE_DIRECTORY ${OUT_DIR})
execute_process(
  COMMAND ${WAST2JSON} ${WAST} -o ${OUT_DIR}/${name}.json
  RESULT_VARIABLE rc
  OUTPUT_VARIABLE out
  ERROR_VARIABLE err)
if(NOT rc EQUAL 0)
  # wast2json 1.0.32 predates table instructions without a table index
  # (`table.get` meaning `table.get 0`). Retry once with the index written
  # out; every line stays where it was, so line numbers in reports still
  # point into the original file.
  file(READ ${WAST} text)
  string(REGEX REPLACE "table\\.(get|set|size|grow|fill)([ \t]+)([$0-9])" "TABLEX_\\1\\2\\3" text "${text}")
  string(REGEX REPLACE "table\\.(get|set|size|grow|fill)([ \t\n)])" "table.\\1 0\\2" text "${text}")
  string(REPLACE "TABLEX_" "table." text "${text}")
  file(WRITE ${OUT_DIR}/${name}.wast "${text}")
  execute_process(
    COMMAND ${WAST2JSON} ${OUT_DIR}/${name}.wast -o ${OUT_DIR}/${name}.json
    RESULT_VARIABLE rc2
    OUTPUT_QUIET ERROR_QUIET)
  if(rc2 EQUAL 0)
    set(rc 0)
    message(STATUS "${name}.wast converted with explicit table indices")
  endif()
endif()
if(NOT rc EQUAL 0)
  file(REMOVE ${OUT_DIR}/${name}.json)
  file(WRITE ${OUT_DIR}/${name}.wast2json-error "wast2json exit: ${rc}\n${out}${err}")
  message(STATUS "wast2json cannot convert ${name}.wast (${rc}); see tests/spec/skips.txt")
endif()
file(TOUCH ${STAMP})
