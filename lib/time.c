/* RFC 3339 times and calendar month arithmetic, proleptic Gregorian, UTC. */
#include "internal.h"

static bool is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int days_in_month(int64_t y, int m)
{
    static const int days[12] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : days[m - 1];
}

/* Days since 1970-01-01 of a civil date. Counts in 400-year eras (146097
 * days each) from a year that starts in March, so that the leap day is the
 * last day of the shifted year. */
static int64_t days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t mp = (m + 9) % 12;
    int64_t doy = (153 * mp + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static void civil_from_days(int64_t z, int64_t *y, int *m, int *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    int64_t doe = z - era * 146097;
    int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    int64_t mp = (5 * doy + 2) / 153;
    *d = (int)(doy - (153 * mp + 2) / 5 + 1);
    *m = (int)(mp < 10 ? mp + 3 : mp - 9);
    *y = yoe + era * 400 + (*m <= 2);
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - (a % b != 0 && (a < 0) != (b < 0));
}

bool ed__time_valid(ed_time t)
{
    return t >= ED_TIME_MIN && t <= ED_TIME_MAX;
}

bool ed__time_add_days(ed_time t, int days, ed_time *out)
{
    if (!ed__time_valid(t))
        return false;
    ed_time r = t + (ed_time)days * ED_SECONDS_PER_DAY;
    if (!ed__time_valid(r))
        return false;
    *out = r;
    return true;
}

/* Writes the n low decimal digits of v (0 <= v) at p, zero-padded; returns
 * the end. */
static char *put_digits(char *p, int64_t v, int n)
{
    for (int i = n - 1; i >= 0; i--) {
        p[i] = (char)('0' + v % 10);
        v /= 10;
    }
    return p + n;
}

/* Reads exactly n digits at s; -1 if any is not a digit. */
static int digits(const char *s, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    return v;
}

ed_status ed_time_parse(const char *text, size_t len, ed_time *out)
{
    if (text == NULL || out == NULL)
        return ED_INVALID_ARGUMENT;
    /* YYYY-MM-DDTHH:MM:SS then Z or +HH:MM / -HH:MM */
    if (len != 20 && len != 25)
        return ED_PARSE_ERROR;
    const char *s = text;
    if (s[4] != '-' || s[7] != '-' || (s[10] != 'T' && s[10] != 't') || s[13] != ':' ||
        s[16] != ':')
        return ED_PARSE_ERROR;
    int year = digits(s, 4), mon = digits(s + 5, 2), day = digits(s + 8, 2);
    int hour = digits(s + 11, 2), min = digits(s + 14, 2), sec = digits(s + 17, 2);
    if (year < 0 || mon < 1 || mon > 12 || day < 1 || hour < 0 || hour > 23 || min < 0 ||
        min > 59 || sec < 0 || sec > 59)
        return ED_PARSE_ERROR;
    if (day > days_in_month(year, mon))
        return ED_PARSE_ERROR;
    int64_t offset = 0;
    if (len == 20) {
        if (s[19] != 'Z' && s[19] != 'z')
            return ED_PARSE_ERROR;
    } else {
        if ((s[19] != '+' && s[19] != '-') || s[22] != ':')
            return ED_PARSE_ERROR;
        int oh = digits(s + 20, 2), om = digits(s + 23, 2);
        if (oh < 0 || oh > 23 || om < 0 || om > 59)
            return ED_PARSE_ERROR;
        offset = ((int64_t)oh * 60 + om) * 60;
        if (s[19] == '-')
            offset = -offset;
    }
    ed_time t = days_from_civil(year, mon, day) * ED_SECONDS_PER_DAY + (ed_time)hour * 3600 +
                (ed_time)min * 60 + sec - offset;
    if (!ed__time_valid(t))
        return ED_PARSE_ERROR;
    *out = t;
    return ED_OK;
}

ed_status ed_time_format(ed_time t, char *buf, size_t size)
{
    if (buf == NULL || size < ED_TIME_BUFSIZE || !ed__time_valid(t))
        return ED_INVALID_ARGUMENT;
    int64_t days = floor_div(t, ED_SECONDS_PER_DAY);
    int64_t secs = t - days * ED_SECONDS_PER_DAY;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    /* "%04d-%02d-%02dT%02d:%02d:%02dZ" written digit by digit: many effect
     * texts carry a time, and snprintf was a fifth of the C cost of a
     * transition with effects, their texts read */
    char *p = put_digits(buf, y, 4);
    *p++ = '-';
    p = put_digits(p, m, 2);
    *p++ = '-';
    p = put_digits(p, d, 2);
    *p++ = 'T';
    p = put_digits(p, secs / 3600, 2);
    *p++ = ':';
    p = put_digits(p, secs / 60 % 60, 2);
    *p++ = ':';
    p = put_digits(p, secs % 60, 2);
    *p++ = 'Z';
    *p = '\0';
    return ED_OK;
}

ed_status ed_time_add_months(ed_time t, int months, ed_time *out)
{
    if (out == NULL || !ed__time_valid(t) || months < -120000 || months > 120000)
        return ED_INVALID_ARGUMENT;
    int64_t days = floor_div(t, ED_SECONDS_PER_DAY);
    int64_t secs = t - days * ED_SECONDS_PER_DAY;
    int64_t y;
    int m, d;
    civil_from_days(days, &y, &m, &d);
    int64_t index = y * 12 + (m - 1) + months;
    int64_t ny = floor_div(index, 12);
    int nm = (int)(index - ny * 12) + 1;
    if (ny < 0 || ny > 9999)
        return ED_INVALID_ARGUMENT;
    int dim = days_in_month(ny, nm);
    int nd = d > dim ? dim : d;
    ed_time r = days_from_civil(ny, nm, nd) * ED_SECONDS_PER_DAY + secs;
    if (!ed__time_valid(r))
        return ED_INVALID_ARGUMENT;
    *out = r;
    return ED_OK;
}
