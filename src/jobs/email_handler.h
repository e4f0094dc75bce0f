// The workflow action "email": a message to the operators' address when an
// order enters a status that has the action, sent through an e-mail
// provider's HTTP API (`ordo sim` has a mail catcher at /v1/emails) with an
// Idempotency-Key from the job, so a retry never sends twice.
#pragma once

#include <string>

#include "jobs/runner.h"

namespace ordo::jobs {

struct EmailOptions {
  std::string provider_url;  // base URL; POST {provider_url}/v1/emails {to, subject, text}
  std::string to;            // who is told
  long timeout_ms = 5000;
};

void RegisterEmailHandler(Runner& runner, EmailOptions options);

}  // namespace ordo::jobs
