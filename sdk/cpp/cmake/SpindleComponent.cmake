# spindle_component(<target> [OUTPUT spin1|wasi-http] [WIT <world.wit>] [WORLD <name>])
#
# Declares what the executable <target> (a component built with
# sdk/cpp/wasm32-wasi.cmake) is built into:
#   spin1      a Spin 1.x HTTP module, <target>.wasm (what add_executable
#              alone gives);
#   wasi-http  a wasi:http 0.2 component, <target>.wasm: the sources are
#              compiled with -DSPINDLE_WASI_HTTP, the core module is linked as
#              <target>.core.wasm, then sdk/cpp/tools/componentize.mjs (node)
#              embeds the world and adds the WASI preview 1 reactor adapter.
# OUTPUT defaults to the cache variable SPINDLE_COMPONENT_OUTPUT (spin1), so
# `cmake -DSPINDLE_COMPONENT_OUTPUT=wasi-http` switches every component of a
# project. WIT / WORLD: another world for componentize (default: the SDK's
# wit/world.wit, world http-component). The npm packages componentize.mjs
# needs are looked up in SPINDLE_SDK_NODE_MODULES (default sdk/cpp/node_modules,
# installed by spindle's scripts/setup or `npm ci` in sdk/cpp).
# The target property SPINDLE_COMPONENT_FILE holds the path of <target>.wasm.
#
# The toolchain file includes this module (after project()); include(SpindleComponent)
# works too.
include_guard(GLOBAL)

set(SPINDLE_COMPONENT_OUTPUT "spin1" CACHE STRING
    "what spindle_component() builds by default: spin1 (a Spin 1.x module) or wasi-http (a component)")
set_property(CACHE SPINDLE_COMPONENT_OUTPUT PROPERTY STRINGS spin1 wasi-http)
get_filename_component(_spindle_sdk_dir "${CMAKE_CURRENT_LIST_DIR}/.." ABSOLUTE)
set(SPINDLE_SDK_NODE_MODULES "${_spindle_sdk_dir}/node_modules" CACHE PATH
    "node_modules with @bytecodealliance/jco and jco-transpile (for wasi-http components)")
set(SPINDLE_COMPONENTIZE "${_spindle_sdk_dir}/tools/componentize.mjs" CACHE FILEPATH
    "spindle's componentize tool")

function(spindle_component target)
  cmake_parse_arguments(C "" "OUTPUT;WIT;WORLD" "" ${ARGN})
  if(C_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "spindle_component(${target}): unexpected arguments ${C_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "spindle_component(${target}): no such target (add_executable it first)")
  endif()
  if(NOT C_OUTPUT)
    set(C_OUTPUT "${SPINDLE_COMPONENT_OUTPUT}")
  endif()
  get_target_property(name ${target} OUTPUT_NAME)
  if(NOT name)
    set(name ${target})
  endif()
  if(C_OUTPUT STREQUAL "spin1")
    set_target_properties(${target} PROPERTIES SPINDLE_COMPONENT_FILE "$<TARGET_FILE:${target}>")
    return()
  endif()
  if(NOT C_OUTPUT STREQUAL "wasi-http")
    message(FATAL_ERROR "spindle_component(${target}): OUTPUT must be spin1 or wasi-http, not `${C_OUTPUT}`")
  endif()
  find_program(SPINDLE_NODE node)
  if(NOT SPINDLE_NODE)
    message(FATAL_ERROR "spindle_component(${target}): a wasi-http component needs node (Node.js >= 18) "
                        "to run ${SPINDLE_COMPONENTIZE}")
  endif()
  set(extra)
  if(C_WIT)
    get_filename_component(C_WIT "${C_WIT}" ABSOLUTE)
    list(APPEND extra --wit "${C_WIT}")
  endif()
  if(C_WORLD)
    list(APPEND extra --world "${C_WORLD}")
  endif()
  target_compile_definitions(${target} PRIVATE SPINDLE_WASI_HTTP)
  set_target_properties(${target} PROPERTIES OUTPUT_NAME "${name}.core"
    SPINDLE_COMPONENT_FILE "$<TARGET_FILE_DIR:${target}>/${name}.wasm")
  add_custom_command(TARGET ${target} POST_BUILD
    COMMAND "${SPINDLE_NODE}" "${SPINDLE_COMPONENTIZE}" "$<TARGET_FILE:${target}>"
      -o "$<TARGET_FILE_DIR:${target}>/${name}.wasm" --node-modules "${SPINDLE_SDK_NODE_MODULES}" ${extra}
    COMMENT "wasi:http component ${name}.wasm (componentize.mjs)"
    VERBATIM)
endfunction()
