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
