#include "jobs/email_handler.h"

#include <nlohmann/json.hpp>

#include "integrations/http_client.h"

namespace ordo::jobs {

using nlohmann::json;
using OK = CallOutcome::Kind;

void RegisterEmailHandler(Runner& runner, EmailOptions options) {
  runner.Register("email", "email", [options](const store::Job& job) -> CallOutcome {
    json p = json::parse(job.payload, nullptr, false);
    if (!p.is_object()) return {OK::kPermanent, 0, "the job's payload is not JSON", {}};
    std::string status = p.value("status", ""), from = p.value("from", "");
    json message = {{"to", options.to},
                    {"subject", "Order " + job.order_id + " is now " + status},
                    {"text", "Order " + job.order_id + " moved from " + from + " to " + status + "."}};
    integrations::HttpResponse res = integrations::Send(
        {"POST", options.provider_url + "/v1/emails", {{"Idempotency-Key", job.key()}}, message.dump(),
         options.timeout_ms, {}});
    if (res.status >= 200 && res.status < 300) return {OK::kOk, res.status, "", {}};
    if (res.status >= 400 && res.status < 500 && res.status != 408 && res.status != 429)
      return {OK::kPermanent, res.status, "the e-mail provider refused: " + res.body.substr(0, 200), {}};
    return {OK::kTransient, res.status, res.status ? "the e-mail provider answered " + std::to_string(res.status) : res.error, {}};
  });
}

}  // namespace ordo::jobs
