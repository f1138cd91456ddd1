# The throwaway PostgreSQL cluster of the tests of the PostgreSQL store (docs/STORAGE.md).
#
# Included by the CMakeLists.txt files that register such tests. Defines, once per build
# tree, the CTest fixture "postgres": the test postgres_cluster_start (FIXTURES_SETUP) runs
# `tools/pg_test_cluster.sh start` into /tmp/entrepot-pg-<hash of the build tree>, and
# postgres_cluster_stop (FIXTURES_CLEANUP) stops it and removes the directory. The cluster
# listens on a Unix socket in that directory only, so the build trees of two presets run by
# `ctest -j2` side by side never collide. The directory is under /tmp, not in the build
# tree: the server runs as the postgres user, who may not enter a checkout under /root, and
# a Unix socket path must stay under 108 bytes however deep the checkout is.
#
# entrepot_postgres_test_properties(TEST...)
# Makes each test require the fixture and hands it the cluster's conninfo in the environment
# variable ENTREPOT_TEST_POSTGRES (a postgresql:// URL, the one the script prints).
# Not include_guard(): the variables below are directory-scoped and every including
# directory needs them; the fixture's tests are added once (a global property says so).
string(MD5 entrepot_build_tree_hash "${PROJECT_BINARY_DIR}")
string(SUBSTRING "${entrepot_build_tree_hash}" 0 12 entrepot_build_tree_hash)
set(ENTREPOT_TEST_POSTGRES_DIR "/tmp/entrepot-pg-${entrepot_build_tree_hash}")
set(ENTREPOT_TEST_POSTGRES_URL
    "postgresql:///entrepot_test?host=${ENTREPOT_TEST_POSTGRES_DIR}&port=5432&user=entrepot")

get_property(entrepot_postgres_fixture_defined GLOBAL PROPERTY ENTREPOT_POSTGRES_FIXTURE_DEFINED)
if(ENTREPOT_BUILD_TESTS AND NOT entrepot_postgres_fixture_defined)
  set_property(GLOBAL PROPERTY ENTREPOT_POSTGRES_FIXTURE_DEFINED TRUE)
  add_test(NAME postgres_cluster_start
           COMMAND "${PROJECT_SOURCE_DIR}/tools/pg_test_cluster.sh" start
                   "${ENTREPOT_TEST_POSTGRES_DIR}")
  set_tests_properties(postgres_cluster_start PROPERTIES FIXTURES_SETUP postgres
                       LABELS "integration" TIMEOUT 120)
  add_test(NAME postgres_cluster_stop
           COMMAND "${PROJECT_SOURCE_DIR}/tools/pg_test_cluster.sh" stop
                   "${ENTREPOT_TEST_POSTGRES_DIR}")
  set_tests_properties(postgres_cluster_stop PROPERTIES FIXTURES_CLEANUP postgres
                       LABELS "integration" TIMEOUT 60)
endif()

function(entrepot_postgres_test_properties)
  set_tests_properties(${ARGN} PROPERTIES FIXTURES_REQUIRED postgres
                       ENVIRONMENT "ENTREPOT_TEST_POSTGRES=${ENTREPOT_TEST_POSTGRES_URL}")
endfunction()
