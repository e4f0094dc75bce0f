// RFC 9457 problem details, and the one place where error codes become HTTP
// statuses.
#pragma once

#include <string_view>

#include "base/result.h"
#include "http/request.h"

namespace ordo::http {

inline constexpr std::string_view kProblemBase = "https://ordo.dev/problems/";

// The mapping: Code (and, for a few types, the type) → HTTP status.
int StatusFor(const Error& error);

// application/problem+json for an error; the request gives instance and request_id.
Response ErrorResponse(const Error& error, const Request& request);
Response ProblemResponse(int status, std::string_view type, std::string_view detail, const Request& request,
                         std::string_view pointer = {});
std::string ProblemBody(int status, const Error& error, const Request& request);

}  // namespace ordo::http
