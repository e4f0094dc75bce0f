// The wire format of the NATS relay: each stored event as a CloudEvents 1.0
// JSON document (structured content mode), on subject ordo.events.<type>.
//
//   {"specversion":"1.0","id":"evt_42","source":"/ordo","type":"ordo.order.created",
//    "subject":"ord_…","time":"2026-11-23T07:17:51.123Z","datacontenttype":"application/json",
//    "sequence":"0000000000000000042","correlationid":"…","causationid":"req:…","data":{…}}
//
// id is the event id (evt_<seq>), the same on every node and every retry, so
// source + id identify the event and JetStream drops a second copy (Nats-Msg-Id).
// type is "ordo." + the event type; subject (the CloudEvents attribute) is the
// order id and is left out for events without an order. The extensions:
// sequence (the CloudEvents sequence extension: the log's gap-free sequence,
// zero-padded to 19 digits so that the strings sort like the numbers),
// correlationid and causationid (left out when empty).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "store/store.h"

namespace ordo::relay {

inline constexpr std::string_view kSubjectPrefix = "ordo.events.";
inline constexpr std::string_view kTypePrefix = "ordo.";
inline constexpr std::string_view kDefaultSource = "/ordo";

// The CloudEvents JSON document of one event.
std::string EncodeCloudEvent(const store::StoredEvent& event, std::string_view source = kDefaultSource);

// "ordo.events." + the event type, made a valid NATS subject: each token keeps
// only [A-Za-z0-9_-] (anything else becomes '_'), and an empty token becomes "_".
std::string SubjectFor(std::string_view event_type);

// "evt_42" → 42; nullopt for anything that is not an event id of the log.
std::optional<std::int64_t> ParseEventId(std::string_view id);

}  // namespace ordo::relay
