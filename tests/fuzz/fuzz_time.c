/* RFC 3339 parser: never crashes, and what it accepts formats back to a
 * time that parses to the same value. */
#include <libedition.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ed_time t = 0;
    if (ed_time_parse((const char *)data, size, &t) != ED_OK)
        return 0;
    char buf[ED_TIME_BUFSIZE];
    if (ed_time_format(t, buf, sizeof buf) != ED_OK)
        abort();
    ed_time back = 0;
    if (ed_time_parse(buf, strlen(buf), &back) != ED_OK || back != t)
        abort();
    ed_time later = 0;
    if (ed_time_add_months(t, (int)(size % 37), &later) == ED_OK && later < t)
        abort();
    return 0;
}
