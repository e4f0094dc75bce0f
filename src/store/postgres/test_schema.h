// Tests only: an empty schema per test on the PostgreSQL server named by the
// ORDO_TEST_PG environment variable (a libpq conninfo or URI). CTest always sets
// it for the PostgreSQL tests and starts that server itself
// (scripts/pg-test-cluster.sh, see src/store/CMakeLists.txt).
#pragma once

#include <libpq-fe.h>
#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <string>

namespace ordo::store::pgtest {

// The server's conninfo, or empty when the tests were started without one.
inline std::string ServerConninfo() {
  const char* v = std::getenv("ORDO_TEST_PG");
  return v ? v : "";
}

// A schema name for one test in one process: lower case, [a-z0-9_], ≤ 63 bytes.
inline std::string SchemaName(const std::string& test) {
  std::string name = "t" + std::to_string(::getpid()) + "_";
  for (char c : test) {
    if (name.size() >= 63) break;
    name += std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(static_cast<unsigned char>(c)))
                                                         : '_';
  }
  return name;
}

inline std::string Quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

// `base` with search_path set to `schema` (and any `extra` server options,
// e.g. "-c deadlock_timeout=100ms"), as a keyword=value conninfo.
inline std::string WithSchema(const std::string& base, const std::string& schema, const std::string& extra = "") {
  char* err = nullptr;
  PQconninfoOption* options = PQconninfoParse(base.c_str(), &err);
  if (!options) {
    if (err) PQfreemem(err);
    return "";
  }
  std::string out, server_options;
  for (PQconninfoOption* o = options; o->keyword; ++o) {
    if (!o->val) continue;
    if (std::string(o->keyword) == "options") server_options = o->val;
    else out += std::string(o->keyword) + "=" + Quote(o->val) + " ";
  }
  PQconninfoFree(options);
  server_options += " -c search_path=" + schema;
  if (!extra.empty()) server_options += " " + extra;
  return out + "options=" + Quote(server_options);
}

// Runs one script on the server; returns an error text or "".
inline std::string Exec(const std::string& conninfo, const std::string& sql) {
  PGconn* c = PQconnectdb(conninfo.c_str());
  std::string err;
  if (PQstatus(c) != CONNECTION_OK) {
    err = PQerrorMessage(c);
  } else {
    PGresult* r = PQexec(c, sql.c_str());
    if (PQresultStatus(r) != PGRES_COMMAND_OK && PQresultStatus(r) != PGRES_TUPLES_OK) err = PQresultErrorMessage(r);
    PQclear(r);
  }
  PQfinish(c);
  return err;
}

// Drops `schema` with everything in it and, unless `recreate` is false, creates it empty.
inline std::string ResetSchema(const std::string& schema, bool recreate = true) {
  std::string sql = "SET client_min_messages = warning; DROP SCHEMA IF EXISTS " + schema + " CASCADE;";
  if (recreate) sql += " CREATE SCHEMA " + schema + ";";
  return Exec(ServerConninfo(), sql);
}

}  // namespace ordo::store::pgtest
