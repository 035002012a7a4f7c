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

# spindle_guest_component(<name> CORE <core guest> [WIT <file or folder>]
#                         [WORLD <world>] NPM <folder with node_modules and package-lock.json>)
# Turns the guest module <core guest> (a spindle_guest reactor) into the
# component ${SPINDLE_GUEST_DIR}/<name>.wasm with the SDK's componentizer
# (sdk/cpp/tools/componentize.mjs: WIT embedded, WASI preview 1 reactor
# adapter) and the npm tools under NPM; without WIT, the SDK's own world.
# Without node nothing is added; without the npm tools the tool writes
# nothing (--if-available) and the tests that need the component skip.
find_program(SPINDLE_NODE node)
function(spindle_guest_component name)
  cmake_parse_arguments(C "" "CORE;WIT;WORLD;NPM" "" ${ARGN})
  if(NOT SPINDLE_NODE)
    message(STATUS "node not found: the component ${name} is not built")
    return()
  endif()
  set(componentize ${PROJECT_SOURCE_DIR}/sdk/cpp/tools/componentize.mjs)
  set(out ${SPINDLE_GUEST_DIR}/${name}.wasm)
  set(args --node-modules ${C_NPM}/node_modules --if-available)
  if(C_WIT)
    set(wit ${CMAKE_CURRENT_SOURCE_DIR}/${C_WIT})
    list(APPEND args --wit ${wit})
    if(IS_DIRECTORY ${wit})
      file(GLOB_RECURSE wit_files CONFIGURE_DEPENDS ${wit}/*.wit)
    else()
      set(wit_files ${wit})
    endif()
  else()
    set(wit_files ${PROJECT_SOURCE_DIR}/sdk/cpp/wit/world.wit)
  endif()
  if(C_WORLD)
    list(APPEND args --world ${C_WORLD})
  endif()
  add_custom_command(
    OUTPUT ${out}
    COMMAND ${SPINDLE_NODE} ${componentize} ${SPINDLE_GUEST_DIR}/${C_CORE}.wasm -o ${out} ${args}
    DEPENDS ${SPINDLE_GUEST_DIR}/${C_CORE}.wasm ${componentize} ${wit_files}
      ${C_NPM}/package-lock.json
    COMMENT "component ${name} (componentize.mjs)"
    VERBATIM)
  add_custom_target(guest_${name} ALL DEPENDS ${out})
  add_dependencies(guest_${name} guest_${C_CORE})
  add_dependencies(guests guest_${name})
endfunction()
