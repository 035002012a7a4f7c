// `spindle up` with several apps (-f repeated or HOST=SOURCE, --apps FILE;
// docs/MULTI_APP.md): one HTTP server and one set of workers for all, an
// apps::AppTable choosing the app of each request, and an AppHost for each
// app loaded. The host config file is watched and re-applied on change.
#pragma once

#include "cli/up_command.h"

namespace spindle::cli {

int serve_many(const UpOptions& opts);

}  // namespace spindle::cli
