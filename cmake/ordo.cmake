# ordo_module(NAME SRCS ... DEPS ... TESTS ...)
# One static library per subsystem: target ordo_<NAME>, alias ordo::<NAME>.
# The DEPS line is the dependency rule: a subsystem may include only what it links.
# TESTS become one GoogleTest binary, ordo_<NAME>_tests, registered with CTest.
function(ordo_module name)
  cmake_parse_arguments(M "" "" "SRCS;DEPS;TESTS;TEST_DEPS" ${ARGN})
  add_library(ordo_${name} STATIC ${M_SRCS})
  add_library(ordo::${name} ALIAS ordo_${name})
  target_include_directories(ordo_${name} PUBLIC ${PROJECT_SOURCE_DIR}/src)
  target_link_libraries(ordo_${name} PUBLIC ${M_DEPS})
  if(M_TESTS)
    add_executable(ordo_${name}_tests ${M_TESTS})
    target_link_libraries(ordo_${name}_tests PRIVATE ordo_${name} ${M_TEST_DEPS} GTest::gtest GTest::gtest_main)
    gtest_discover_tests(ordo_${name}_tests DISCOVERY_TIMEOUT 60)
  endif()
endfunction()

# ordo_npm_ci(PACKAGE_DIR NPM_DIR LABEL)
# Build-time packages from the npm registry, pinned by PACKAGE_DIR's lockfile:
# `npm ci` into NPM_DIR in the build tree, rerun only when package.json or the
# lockfile change. Depend on ${NPM_DIR}/npm-ci.stamp.
find_program(ORDO_NODE node REQUIRED)
find_program(ORDO_NPM npm REQUIRED)
function(ordo_npm_ci package_dir npm_dir label)
  add_custom_command(
    OUTPUT ${npm_dir}/npm-ci.stamp
    COMMAND ${CMAKE_COMMAND} -E make_directory ${npm_dir}
    COMMAND ${CMAKE_COMMAND} -E copy ${package_dir}/package.json ${package_dir}/package-lock.json ${npm_dir}
    COMMAND ${ORDO_NPM} ci --prefix ${npm_dir} --no-audit --no-fund --ignore-scripts --loglevel=error
    COMMAND ${CMAKE_COMMAND} -E touch ${npm_dir}/npm-ci.stamp
    DEPENDS ${package_dir}/package.json ${package_dir}/package-lock.json
    COMMENT "${label}: npm ci (${package_dir}/package-lock.json)"
    VERBATIM)
endfunction()
