// Routing by method and path pattern ("/v1/orders/{id}/events").
#pragma once

#include <string>
#include <vector>

#include "http/request.h"

namespace ordo::http {

class Router {
 public:
  void Add(std::string method, std::string pattern, Handler handler);
  // Fills request.route and request.params and runs the handler; answers 404
  // or 405 (with Allow) itself.
  void Dispatch(Request& request, Respond respond) const;
  // Every (method, pattern), for the OpenAPI completeness test.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Handler handler;
    bool catch_all = false;  // every segment a parameter
  };
  static bool Match(const Route& route, const std::vector<std::string_view>& path,
                    std::map<std::string, std::string>* params);
  std::vector<Route> routes_;
};

}  // namespace ordo::http
