/* `edition fleet` in a build without SQLite and libpq: it says so. */
#include "fleet.h"

int cli_fleet(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    cli_error("unsupported", "fleet: this edition was built without SQLite and without "
                             "PostgreSQL (libpq): rebuild with libsqlite3-dev or libpq-dev");
    return CLI_EXIT_USAGE;
}
