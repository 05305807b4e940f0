/* RFC 3339 parsing and formatting, and calendar month arithmetic (spec
 * docs/rules.md section 1, "Time"). A small calendar written here independently of
 * the library is the oracle for the randomised checks: ED_TIME_CASES (default
 * 200,000) random times each, as scripts/test's valgrind stage lowers it. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "support.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ULL;
static uint64_t rnd(void)
{
    /* xorshift64* */
    rng_state ^= rng_state >> 12;
    rng_state ^= rng_state << 25;
    rng_state ^= rng_state >> 27;
    return rng_state * 0x2545f4914f6cdd1dULL;
}

/* How many random cases each oracle check runs: ED_TIME_CASES, or 200,000. */
static int oracle_cases(void)
{
    const char *v = getenv("ED_TIME_CASES");
    char *end = NULL;
    long n = v ? strtol(v, &end, 10) : 0;
    return (v && *end == '\0' && n > 0 && n <= INT_MAX) ? (int)n : 200000;
}

static ed_status parse(const char *s, ed_time *out)
{
    return ed_time_parse(s, strlen(s), out);
}

/* ---- the oracle itself is checked against fixed, well-known values ------ */

START_TEST(test_oracle_known_values)
{
    ck_assert_int_eq(cal_to_time(cal_civil(1970, 1, 1, 0, 0, 0)), 0);
    ck_assert_int_eq(cal_to_time(cal_civil(2026, 2, 1, 0, 0, 0)), 1769904000);
    ck_assert_int_eq(cal_to_time(cal_civil(2000, 3, 1, 0, 0, 0)), 951868800);
    ck_assert_int_eq(cal_to_time(cal_civil(0, 1, 1, 0, 0, 0)), ED_TIME_MIN);
    ck_assert_int_eq(cal_to_time(cal_civil(9999, 12, 31, 23, 59, 59)), ED_TIME_MAX);
    civil c = cal_to_civil(951868799);
    ck_assert(c.y == 2000 && c.mo == 2 && c.d == 29 && c.h == 23 && c.mi == 59 && c.s == 59);
}
END_TEST

/* ---- parse ------------------------------------------------------------- */

START_TEST(test_parse_utc)
{
    ed_time t = -1;
    ck_assert_int_eq(parse("1970-01-01T00:00:00Z", &t), ED_OK);
    ck_assert_int_eq(t, 0);
    ck_assert_int_eq(parse("2026-02-01T00:00:00Z", &t), ED_OK);
    ck_assert_int_eq(t, 1769904000);
    ck_assert_int_eq(parse("1969-12-31T23:59:59Z", &t), ED_OK);
    ck_assert_int_eq(t, -1);
    ck_assert_int_eq(parse("0000-01-01T00:00:00Z", &t), ED_OK);
    ck_assert_int_eq(t, ED_TIME_MIN);
    ck_assert_int_eq(parse("9999-12-31T23:59:59Z", &t), ED_OK);
    ck_assert_int_eq(t, ED_TIME_MAX);
    ck_assert_int_eq(parse("2024-02-29T12:34:56Z", &t), ED_OK);
    ck_assert_int_eq(t, cal_to_time(cal_civil(2024, 2, 29, 12, 34, 56)));
    ck_assert_int_eq(parse("2000-02-29T00:00:00Z", &t), ED_OK);
    ck_assert_int_eq(parse("0000-02-29T00:00:00Z", &t), ED_OK); /* year 0 is leap */
    ck_assert_int_eq(t, cal_to_time(cal_civil(0, 2, 29, 0, 0, 0)));
}
END_TEST

START_TEST(test_parse_offsets_are_applied)
{
    ed_time t = 0;
    const ed_time feb1 = 1769904000;
    ck_assert_int_eq(parse("2026-02-01T08:00:00+08:00", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    ck_assert_int_eq(parse("2026-01-31T19:00:00-05:00", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    ck_assert_int_eq(parse("2026-02-01T05:30:00+05:30", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    ck_assert_int_eq(parse("2026-02-01T00:00:00+00:00", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    ck_assert_int_eq(parse("2026-02-01T00:00:00-00:00", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    ck_assert_int_eq(parse("2026-02-01T23:59:00+23:59", &t), ED_OK);
    ck_assert_int_eq(t, feb1);
    /* an offset may cross into another year */
    ck_assert_int_eq(parse("2025-12-31T22:00:00-02:00", &t), ED_OK);
    ck_assert_int_eq(t, cal_to_time(cal_civil(2026, 1, 1, 0, 0, 0)));
}
END_TEST

START_TEST(test_parse_lower_case_t_and_z)
{
    ed_time t = 0;
    ck_assert_int_eq(parse("2026-02-01t00:00:00z", &t), ED_OK);
    ck_assert_int_eq(t, 1769904000);
    ck_assert_int_eq(parse("2026-02-01t08:00:00+08:00", &t), ED_OK);
    ck_assert_int_eq(t, 1769904000);
}
END_TEST

START_TEST(test_parse_rejects)
{
    const char *bad[] = {
        "2026-13-01T00:00:00Z",  /* month 13 */
        "2026-00-01T00:00:00Z",  /* month 0 */
        "2026-01-32T00:00:00Z",  /* day 32 */
        "2026-01-00T00:00:00Z",  /* day 0 */
        "2026-02-30T00:00:00Z",  /* Feb 30 */
        "2026-02-29T00:00:00Z",  /* Feb 29 in a common year */
        "1900-02-29T00:00:00Z",  /* 1900 is not leap */
        "2026-04-31T00:00:00Z",  /* April has 30 days */
        "2026-02-01T24:00:00Z",  /* hour 24 */
        "2026-02-01T00:60:00Z",  /* minute 60 */
        "2016-12-31T23:59:60Z",  /* leap second */
        "2026-02-01T00:00:00.5Z",   /* fractional seconds */
        "2026-02-01T00:00:00.000Z", /* even zero ones */
        "2026-02-01T00:00:00",   /* no zone */
        "2026-02-01",            /* date only */
        "2026-02-01T00:00Z",     /* no seconds */
        "garbage",
        "",
        "2026-02-01T00:00:00Zx", /* trailing bytes */
        "2026-02-01T00:00:00Z ",
        " 2026-02-01T00:00:00Z",
        "2026-02-01X00:00:00Z",
        "2026-2-01T00:00:00Z",
        "2026-02-1T00:00:00Z",
        "26-02-01T00:00:00Z",
        "+2026-02-01T00:00:00Z",
        "2026-02-01T00:00:00+08",    /* incomplete offset */
        "2026-02-01T00:00:00+0800",  /* offset without colon */
        "2026-02-01T00:00:00+24:00", /* offset hour 24 */
        "2026-02-01T00:00:00+08:60", /* offset minute 60 */
        "2026-02-01T00:00:00Z+08:00",
        "10000-01-01T00:00:00Z",      /* year out of range */
        "-0001-12-31T23:59:59Z",
        "0000-01-01T00:00:00+00:01",  /* the offset takes it below the range */
        "9999-12-31T23:59:59-00:01",  /* and above it */
        "2026-02-01T0a:00:00Z",
        "2026-02-01T00:00:00UTC",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        ed_time t = 12345;
        ed_status st = parse(bad[i], &t);
        ck_assert_msg(st == ED_PARSE_ERROR, "'%s' gave %s", bad[i], ed_status_name(st));
        ck_assert_msg(t == 12345, "'%s' wrote the output on failure", bad[i]);
    }
}
END_TEST

START_TEST(test_parse_uses_len_not_nul)
{
    ed_time t = 0;
    const char *s = "2026-02-01T00:00:00Zgarbage";
    ck_assert_int_eq(ed_time_parse(s, 20, &t), ED_OK);
    ck_assert_int_eq(t, 1769904000);
    ck_assert_int_eq(ed_time_parse(s, 19, &t), ED_PARSE_ERROR);
    ck_assert_int_eq(ed_time_parse(s, 21, &t), ED_PARSE_ERROR);
    /* not NUL-terminated at all */
    char raw[20];
    memcpy(raw, "2026-02-01T00:00:00Z", 20);
    ck_assert_int_eq(ed_time_parse(raw, sizeof raw, &t), ED_OK);
    ck_assert_int_eq(t, 1769904000);
    /* an embedded NUL is a trailing byte */
    ck_assert_int_eq(ed_time_parse("2026-02-01T00:00:00Z\0", 21, &t), ED_PARSE_ERROR);
    ck_assert_int_eq(ed_time_parse("2026-02-01T00:00:00Z", 0, &t), ED_PARSE_ERROR);
}
END_TEST

START_TEST(test_parse_null_arguments)
{
    ed_time t = 0;
    ck_assert_int_eq(ed_time_parse(NULL, 20, &t), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_parse("2026-02-01T00:00:00Z", 20, NULL), ED_INVALID_ARGUMENT);
}
END_TEST

/* ---- format ------------------------------------------------------------- */

START_TEST(test_format)
{
    char buf[ED_TIME_BUFSIZE];
    ck_assert_int_eq(ED_TIME_BUFSIZE, 21);
    ck_assert_int_eq(ed_time_format(0, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "1970-01-01T00:00:00Z");
    ck_assert_int_eq(ed_time_format(1769904000, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "2026-02-01T00:00:00Z");
    ck_assert_int_eq(ed_time_format(-1, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "1969-12-31T23:59:59Z");
    ck_assert_int_eq(ed_time_format(ED_TIME_MIN, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "0000-01-01T00:00:00Z");
    ck_assert_int_eq(ed_time_format(ED_TIME_MAX, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "9999-12-31T23:59:59Z");
    ck_assert_int_eq(ed_time_format(951782400, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "2000-02-29T00:00:00Z");
    /* an offset on input never shows on output */
    ed_time t = 0;
    ck_assert_int_eq(parse("2026-02-01T13:45:07+08:00", &t), ED_OK);
    ck_assert_int_eq(ed_time_format(t, buf, sizeof buf), ED_OK);
    ck_assert_str_eq(buf, "2026-02-01T05:45:07Z");
}
END_TEST

START_TEST(test_format_refuses)
{
    char buf[64];
    memset(buf, 'x', sizeof buf);
    ck_assert_int_eq(ed_time_format(ED_TIME_MAX + 1, buf, sizeof buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(ED_TIME_MIN - 1, buf, sizeof buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(INT64_MAX, buf, sizeof buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(INT64_MIN, buf, sizeof buf), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(0, buf, ED_TIME_BUFSIZE - 1), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(0, buf, 0), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_format(0, NULL, 64), ED_INVALID_ARGUMENT);
    /* nothing beyond the given size is written */
    memset(buf, 'x', sizeof buf);
    ck_assert_int_eq(ed_time_format(0, buf, ED_TIME_BUFSIZE), ED_OK);
    ck_assert_int_eq(buf[ED_TIME_BUFSIZE], 'x');
}
END_TEST

START_TEST(test_format_and_parse_agree_with_the_oracle)
{
    char want[64], got[ED_TIME_BUFSIZE];
    const uint64_t span = (uint64_t)(ED_TIME_MAX - ED_TIME_MIN) + 1;
    const int cases = oracle_cases();
    for (int i = 0; i < cases; i++) {
        ed_time t = ED_TIME_MIN + (ed_time)(rnd() % span);
        if (i < 4)
            t = (ed_time[]){ED_TIME_MIN, ED_TIME_MAX, 0, -1}[i];
        cal_format(cal_to_civil(t), want, sizeof want);
        ck_assert_int_eq(ed_time_format(t, got, sizeof got), ED_OK);
        ck_assert_msg(strcmp(want, got) == 0, "%lld formatted as %s, expected %s", (long long)t,
                      got, want);
        ed_time back = 0;
        ck_assert_int_eq(ed_time_parse(want, strlen(want), &back), ED_OK);
        ck_assert_int_eq(back, t);
    }
}
END_TEST

START_TEST(test_parse_random_offsets)
{
    char text[64];
    const int cases = oracle_cases() / 4;
    for (int i = 0; i < cases; i++) {
        ed_time t = cal_to_time(cal_civil(1900 + (int64_t)(rnd() % 300), 1, 1, 0, 0, 0)) +
                    (ed_time)(rnd() % (366 * 86400));
        int off = (int)(rnd() % (2 * 1440 - 1)) - 1439; /* minutes, -23:59..+23:59 */
        civil local = cal_to_civil(t + (ed_time)off * 60);
        snprintf(text, sizeof text, "%04lld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
                 (long long)local.y, local.mo, local.d, local.h, local.mi, local.s,
                 off < 0 ? '-' : '+', abs(off) / 60, abs(off) % 60);
        ed_time got = 0;
        ck_assert_msg(ed_time_parse(text, strlen(text), &got) == ED_OK, "%s refused", text);
        ck_assert_msg(got == t, "%s parsed as %lld, expected %lld", text, (long long)got,
                      (long long)t);
    }
}
END_TEST

/* ---- month arithmetic ------------------------------------------------------ */

static ed_time add_months(ed_time t, int months)
{
    ed_time out = 0;
    ed_status st = ed_time_add_months(t, months, &out);
    ck_assert_msg(st == ED_OK, "add_months(%lld, %d): %s", (long long)t, months,
                  ed_status_name(st));
    return out;
}

START_TEST(test_add_months_clamps_the_day)
{
    ck_assert_int_eq(add_months(tp("2026-01-31T00:00:00Z"), 1), tp("2026-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2024-01-31T00:00:00Z"), 1), tp("2024-02-29T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-03-31T00:00:00Z"), 1), tp("2026-04-30T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-01-30T00:00:00Z"), 1), tp("2026-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-01-28T00:00:00Z"), 1), tp("2026-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2024-02-29T00:00:00Z"), 12), tp("2025-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2024-02-29T00:00:00Z"), 48), tp("2028-02-29T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2100-01-31T00:00:00Z"), 1), tp("2100-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2000-01-31T00:00:00Z"), 1), tp("2000-02-29T00:00:00Z"));
    /* clamping does not carry over: Jan 31 + 2 months is Mar 31 */
    ck_assert_int_eq(add_months(tp("2026-01-31T00:00:00Z"), 2), tp("2026-03-31T00:00:00Z"));
}
END_TEST

START_TEST(test_add_months_rolls_the_year)
{
    ck_assert_int_eq(add_months(tp("2026-12-15T00:00:00Z"), 1), tp("2027-01-15T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-11-30T00:00:00Z"), 3), tp("2027-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-02-01T00:00:00Z"), 36), tp("2029-02-01T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-02-01T00:00:00Z"), 0), tp("2026-02-01T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-01-01T00:00:00Z"), 1200), tp("2126-01-01T00:00:00Z"));
}
END_TEST

START_TEST(test_add_months_negative)
{
    ck_assert_int_eq(add_months(tp("2026-01-15T00:00:00Z"), -1), tp("2025-12-15T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-03-31T00:00:00Z"), -1), tp("2026-02-28T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2024-03-31T00:00:00Z"), -1), tp("2024-02-29T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-03-15T00:00:00Z"), -14), tp("2025-01-15T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("2026-01-01T00:00:00Z"), -12), tp("2025-01-01T00:00:00Z"));
    ck_assert_int_eq(add_months(tp("1970-01-31T00:00:00Z"), -1), tp("1969-12-31T00:00:00Z"));
}
END_TEST

START_TEST(test_add_months_keeps_time_of_day)
{
    ck_assert_int_eq(add_months(tp("2026-01-31T13:45:07Z"), 1), tp("2026-02-28T13:45:07Z"));
    ck_assert_int_eq(add_months(tp("2026-05-31T23:59:59Z"), -1), tp("2026-04-30T23:59:59Z"));
    ck_assert_int_eq(add_months(tp("1969-12-31T23:59:59Z"), 2), tp("1970-02-28T23:59:59Z"));
}
END_TEST

START_TEST(test_add_months_range_errors)
{
    ed_time out = 777;
    ck_assert_int_eq(ed_time_add_months(ED_TIME_MAX, 1, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(tp("9999-12-01T00:00:00Z"), 1, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(tp("0000-01-15T00:00:00Z"), -1, &out),
                     ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(ED_TIME_MIN, INT_MIN, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(ED_TIME_MIN, INT_MAX, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(ED_TIME_MAX + 1, 0, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(ED_TIME_MIN - 1, 1, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(INT64_MIN, 1, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(ed_time_add_months(INT64_MAX, -1, &out), ED_INVALID_ARGUMENT);
    ck_assert_int_eq(out, 777);
    ck_assert_int_eq(ed_time_add_months(0, 1, NULL), ED_INVALID_ARGUMENT);
    /* the edges themselves are fine */
    ck_assert_int_eq(add_months(tp("9999-10-31T23:59:59Z"), 2), ED_TIME_MAX);
    ck_assert_int_eq(add_months(tp("0000-02-01T00:00:00Z"), -1), ED_TIME_MIN);
    ck_assert_int_eq(add_months(ED_TIME_MIN, 119999), tp("9999-12-01T00:00:00Z"));
}
END_TEST

START_TEST(test_add_months_agrees_with_the_oracle)
{
    const int cases = oracle_cases();
    for (int i = 0; i < cases; i++) {
        civil c = cal_to_civil(cal_to_time(cal_civil((int64_t)(rnd() % 10000), 1, 1, 0, 0, 0)) +
                           (ed_time)(rnd() % (364 * 86400)) + (ed_time)(rnd() % 86400));
        int months = (int)(rnd() % 241) - 120;
        int64_t total = c.y * 12 + (c.mo - 1) + months;
        ed_time out = 0;
        ed_status st = ed_time_add_months(cal_to_time(c), months, &out);
        if (total < 0 || total >= 10000 * 12) {
            ck_assert_int_eq(st, ED_INVALID_ARGUMENT);
            continue;
        }
        civil w = c;
        w.y = total / 12;
        w.mo = (int)(total % 12) + 1;
        if (w.d > cal_month_days(w.y, w.mo))
            w.d = cal_month_days(w.y, w.mo);
        ck_assert_int_eq(st, ED_OK);
        ck_assert_msg(out == cal_to_time(w), "%04lld-%02d-%02d %+d months: got %lld, want %lld",
                      (long long)c.y, c.mo, c.d, months, (long long)out, (long long)cal_to_time(w));
    }
}
END_TEST

static Suite *time_suite(void)
{
    Suite *s = suite_create("time");
    TCase *tc = tcase_create("time");
    tcase_add_test(tc, test_oracle_known_values);
    tcase_add_test(tc, test_parse_utc);
    tcase_add_test(tc, test_parse_offsets_are_applied);
    tcase_add_test(tc, test_parse_lower_case_t_and_z);
    tcase_add_test(tc, test_parse_rejects);
    tcase_add_test(tc, test_parse_uses_len_not_nul);
    tcase_add_test(tc, test_parse_null_arguments);
    tcase_add_test(tc, test_format);
    tcase_add_test(tc, test_format_refuses);
    tcase_add_test(tc, test_format_and_parse_agree_with_the_oracle);
    tcase_add_test(tc, test_parse_random_offsets);
    tcase_add_test(tc, test_add_months_clamps_the_day);
    tcase_add_test(tc, test_add_months_rolls_the_year);
    tcase_add_test(tc, test_add_months_negative);
    tcase_add_test(tc, test_add_months_keeps_time_of_day);
    tcase_add_test(tc, test_add_months_range_errors);
    tcase_add_test(tc, test_add_months_agrees_with_the_oracle);
    suite_add_tcase(s, tc);
    return s;
}

int main(void)
{
    return run_suite(time_suite());
}
