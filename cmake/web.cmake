# The dashboard (web/): a React + TypeScript app built by Vite at build time and embedded in the
# ordo binary (src/assets). Included from src/assets/CMakeLists.txt, which embeds
# ${ORDO_DASHBOARD_PACK}.
#
#   1. npm ci from web/package-lock.json into <build>/web (only when the lockfile changes);
#   2. copy web/'s sources next to those node_modules, type-check them (tsc) and build them
#      (vite build) into <build>/web/dist (when any source changes);
#   3. pack dist/ into one file (web/scripts/pack.mjs) for assets_blob.S.
#
# Tests (CTest): web_unit (vitest) and web_e2e.* (Playwright driving Debian's chromium against a
# real `ordo serve --demo`; web/e2e/run.mjs).

set(WEB_SOURCE_DIR ${PROJECT_SOURCE_DIR}/web)
set(WEB_BUILD_DIR ${CMAKE_BINARY_DIR}/web)
set(WEB_NPM_STAMP ${WEB_BUILD_DIR}/npm-ci.stamp)
set(WEB_DIST_STAMP ${WEB_BUILD_DIR}/dist.stamp)
set(ORDO_DASHBOARD_PACK ${CMAKE_CURRENT_BINARY_DIR}/embed/dashboard.pack)

ordo_npm_ci(${WEB_SOURCE_DIR} ${WEB_BUILD_DIR} web)

file(GLOB_RECURSE WEB_SOURCES CONFIGURE_DEPENDS
  ${WEB_SOURCE_DIR}/src/* ${WEB_SOURCE_DIR}/e2e/* ${WEB_SOURCE_DIR}/scripts/*)
set(WEB_CONFIG ${WEB_SOURCE_DIR}/index.html ${WEB_SOURCE_DIR}/vite.config.ts ${WEB_SOURCE_DIR}/tsconfig.json)

add_custom_command(
  OUTPUT ${WEB_DIST_STAMP}
  COMMAND ${CMAKE_COMMAND} -E rm -rf ${WEB_BUILD_DIR}/src ${WEB_BUILD_DIR}/e2e ${WEB_BUILD_DIR}/scripts ${WEB_BUILD_DIR}/dist
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${WEB_SOURCE_DIR}/src ${WEB_BUILD_DIR}/src
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${WEB_SOURCE_DIR}/e2e ${WEB_BUILD_DIR}/e2e
  COMMAND ${CMAKE_COMMAND} -E copy_directory ${WEB_SOURCE_DIR}/scripts ${WEB_BUILD_DIR}/scripts
  COMMAND ${CMAKE_COMMAND} -E copy ${WEB_CONFIG} ${WEB_BUILD_DIR}
  COMMAND ${ORDO_NODE} node_modules/typescript/bin/tsc --noEmit -p tsconfig.json
  COMMAND ${ORDO_NODE} node_modules/vite/bin/vite.js build --logLevel warn
  COMMAND ${CMAKE_COMMAND} -E touch ${WEB_DIST_STAMP}
  WORKING_DIRECTORY ${WEB_BUILD_DIR}
  DEPENDS ${WEB_NPM_STAMP} ${WEB_SOURCES} ${WEB_CONFIG}
  COMMENT "web: type-checking and building the dashboard (vite build)"
  VERBATIM)

add_custom_command(
  OUTPUT ${ORDO_DASHBOARD_PACK}
  COMMAND ${ORDO_NODE} ${WEB_SOURCE_DIR}/scripts/pack.mjs --dist ${WEB_BUILD_DIR}/dist
          --modules ${WEB_BUILD_DIR}/node_modules --out ${ORDO_DASHBOARD_PACK}
  DEPENDS ${WEB_DIST_STAMP} ${WEB_SOURCE_DIR}/scripts/pack.mjs ${WEB_SOURCE_DIR}/package.json
  COMMENT "web: packing the dashboard for the binary"
  VERBATIM)

# vitest: the UI logic (SSE reader and resume, role → actions, countdown, metrics and alerts, …).
add_test(NAME web_unit
  COMMAND ${ORDO_NODE} node_modules/vitest/vitest.mjs run --reporter=dot
  WORKING_DIRECTORY ${WEB_BUILD_DIR})
set_tests_properties(web_unit PROPERTIES TIMEOUT 300 LABELS web ENVIRONMENT "NO_COLOR=1")

# Playwright (playwright-core + /usr/bin/chromium) against a real `ordo serve --demo` on a free
# loopback port and a temporary data directory: one CTest test per acceptance point of issue 7,
# each with its own server. Screenshots land in <build>/web/e2e-out/<test>/.
set(WEB_E2E_TESTS
  customer_places_and_pays
  seller_confirms_and_ships
  timeline_updates_live
  admin_retries_dead_job
  workflow_edit_shows
  customer_cannot_open_others_order
  every_view_renders
  reconciliation_run_now
  chaos_generates_and_resets
  orders_search_by_external_id
  views_fast_with_100k_orders)
foreach(t IN LISTS WEB_E2E_TESTS)
  add_test(NAME web_e2e.${t}
    COMMAND ${ORDO_NODE} e2e/run.mjs --ordo $<TARGET_FILE:ordo> --out ${WEB_BUILD_DIR}/e2e-out --only ${t}
    WORKING_DIRECTORY ${WEB_BUILD_DIR})
  set_tests_properties(web_e2e.${t} PROPERTIES TIMEOUT 300 LABELS "web;e2e")
endforeach()
# It first loads 100,000 orders through `ordo load`, then times every view: alone, so that no other
# test shares the two cores while it measures.
set_tests_properties(web_e2e.views_fast_with_100k_orders PROPERTIES TIMEOUT 600 RUN_SERIAL TRUE)
