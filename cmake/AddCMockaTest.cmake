# SPDX-License-Identifier: Apache-2.0
# add_cmocka_test(NAME SOURCES src... [LINK_LIBRARIES lib...])
# One executable per test, registered with CTest (after libssh's helper).
function(add_cmocka_test name)
  cmake_parse_arguments(ACT "" "" "SOURCES;LINK_LIBRARIES" ${ARGN})
  add_executable(${name} ${ACT_SOURCES})
  target_include_directories(${name} PRIVATE ${CMOCKA_INCLUDE_DIRS})
  target_link_libraries(${name} PRIVATE ${ACT_LINK_LIBRARIES} ${CMOCKA_LINK_LIBRARIES})
  add_test(NAME ${name} COMMAND ${name})
  set_tests_properties(${name} PROPERTIES LABELS unit)
endfunction()
