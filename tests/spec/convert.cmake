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
  file(REMOVE ${OUT_DIR}/${name}.json)
  file(WRITE ${OUT_DIR}/${name}.wast2json-error "wast2json exit: ${rc}\n${out}${err}")
  message(STATUS "wast2json cannot convert ${name}.wast (${rc}); see tests/spec/skips.txt")
endif()
file(TOUCH ${STAMP})
