// The whole C++ SDK: HTTP components (spindle/http.hpp) and every host
// capability. Include the single headers instead to compile less; a
// capability header adds nothing to a module that does not call it.
//
//   spindle/http.hpp           Request, Response, Router, JSON, SPINDLE_HTTP_COMPONENT
//   spindle/outbound_http.hpp  spindle::http::send / get / post
//   spindle/redis.hpp          spindle::redis::Connection, SPINDLE_REDIS_COMPONENT
//   spindle/kv.hpp             spindle::kv::Store
//   spindle/sqlite.hpp         spindle::sqlite::Connection, Value, QueryResult, Row
//   spindle/variables.hpp      spindle::variables::get
//   spindle/result.hpp         spindle::Result<T>, Error, ErrorKind
//
// Guide: docs/SDK.md ("Host capabilities").
#pragma once

#include "http.hpp"
#include "kv.hpp"
#include "mysql.hpp"
#include "outbound_http.hpp"
#include "postgres.hpp"
#include "redis.hpp"
#include "result.hpp"
#include "sqlite.hpp"
#include "variables.hpp"
