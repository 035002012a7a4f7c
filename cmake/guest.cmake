# spindle_guest(<name> SOURCES <files...> [CXX] [FLAGS <flags...>])
# Compiles a wasm32-wasi guest module with clang-19 into
# ${CMAKE_BINARY_DIR}/guests/<name>.wasm and adds a target guest_<name>.
set(SPINDLE_GUEST_DIR ${CMAKE_BINARY_DIR}/guests)
file(MAKE_DIRECTORY ${SPINDLE_GUEST_DIR})
function(spindle_guest name)
  cmake_parse_arguments(G "CXX" "" "SOURCES;FLAGS" ${ARGN})
  set(out ${SPINDLE_GUEST_DIR}/${name}.wasm)
  set(srcs)
  foreach(s ${G_SOURCES})
    list(APPEND srcs ${CMAKE_CURRENT_SOURCE_DIR}/${s})
  endforeach()
  if(G_CXX)
    set(cc ${SPINDLE_WASM_CXX})
  else()
    set(cc ${SPINDLE_WASM_CC})
  endif()
  file(GLOB headers ${CMAKE_CURRENT_SOURCE_DIR}/*.h)
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${cc} --target=wasm32-wasi -O2 ${G_FLAGS} ${srcs} -o ${out}
    DEPENDS ${srcs} ${headers}
    COMMENT "wasm32-wasi guest ${name}"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
endfunction()
