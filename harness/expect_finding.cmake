# A ctest case that must see a fuzz target catch a module (harness/CMakeLists.txt): runs TARGET
# over INPUT with CF_MODULES=MODULES and passes only when the target fails (it aborts) and its
# output holds the disagreement line that names the module NAME:
#   <target>: module <NAME> (<path>) disagrees with the reference on <what>: <reason>
# A target that passes, or fails for any other reason (a crash, a module that cannot be
# opened), fails the case.
#   cmake -DTARGET=bin/fuzz_diff_load -DMODULES=lib.so -DINPUT=dir -DNAME=canary-x -P expect_finding.cmake
foreach(v TARGET MODULES INPUT NAME)
  if(NOT DEFINED ${v})
    message(FATAL_ERROR "expect_finding.cmake: -D${v}=... is required")
  endif()
endforeach()
get_filename_component(target_name "${TARGET}" NAME)
set(ENV{CF_MODULES} "${MODULES}")
execute_process(COMMAND ${TARGET} ${INPUT} RESULT_VARIABLE rc OUTPUT_VARIABLE out ERROR_VARIABLE err)
set(all "${out}${err}")
set(line_re "${target_name}: module ${NAME} \\([^\n]*\\) disagrees with the reference on [^\n]*")
if(rc EQUAL 0)
  message(FATAL_ERROR "${target_name} with CF_MODULES=${MODULES} passed over ${INPUT}; it must catch ${NAME}\n${all}")
endif()
if(NOT all MATCHES "${line_re}")
  message(FATAL_ERROR "${target_name} failed (${rc}) without a disagreement line naming ${NAME}:\n${all}")
endif()
message(STATUS "caught as expected (${rc}): ${CMAKE_MATCH_0}")
