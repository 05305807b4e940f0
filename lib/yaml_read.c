/* The strict state file reader, on libyaml's event API.
 *
 * The reader pulls one event at a time and checks it against the schema as
 * it goes, so it never builds a document tree: memory stays close to the
 * size of the snapshot it builds. Every limit is enforced per event, before
 * the schema looks at it, so a hostile document is stopped early. */
#include "yaml_internal.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

const char *const ed__yaml_instance_keys[ED_IK_COUNT] = {
    [ED_IK_ID] = "id",
    [ED_IK_ENDPOINT] = "endpoint",
    [ED_IK_REGION] = "region",
    [ED_IK_EDITION] = "edition",
    [ED_IK_BILLING] = "billing",
    [ED_IK_CLUSTER] = "cluster",
    [ED_IK_LIFECYCLE] = "lifecycle",
    [ED_IK_REVISION] = "revision",
    [ED_IK_CREATED_AT] = "created_at",
    [ED_IK_UPDATED_AT] = "updated_at",
    [ED_IK_RELEASE_DELAY_DAYS] = "release_delay_days",
    [ED_IK_RELEASE_AT] = "release_at",
    [ED_IK_SUBSCRIPTION] = "subscription",
    [ED_IK_MIGRATION] = "migration",
    [ED_IK_TOPICS] = "topics",
    [ED_IK_GROUPS] = "groups",
};

const char *const ed__yaml_subscription_keys[ED_SK_COUNT] = {
    [ED_SK_STARTED_AT] = "started_at",
    [ED_SK_EXPIRES_AT] = "expires_at",
    [ED_SK_PERIOD_MONTHS] = "period_months",
    [ED_SK_POST_EXPIRATION_ACTION] = "post_expiration_action",
};

const char *const ed__yaml_migration_keys[ED_MK_COUNT] = {
    [ED_MK_FROM] = "from",
    [ED_MK_TO] = "to",
    [ED_MK_STARTED_AT] = "started_at",
};

/* ---- positions and messages ------------------------------------------- */

/* 1-based line and column (in characters) of byte `offset`, for errors
 * libyaml reports as an offset and for NUL bytes it never sees. */
static void offset_position(const char *data, size_t offset, size_t *line, size_t *column)
{
    size_t l = 1, c = 1;
    for (size_t i = 0; i < offset; i++) {
        unsigned char ch = (unsigned char)data[i];
        if (ch == '\n') {
            l++;
            c = 1;
        } else if ((ch & 0xC0u) != 0x80u) {
            c++;
        }
    }
    *line = l;
    *column = c;
}

static void path_format(ed_ypath path, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s", path.ctx ? path.ctx : "document");
    size_t used = n < 0 ? 0 : (size_t)n;
    if (used < size && path.key) {
        n = snprintf(buf + used, size - used, ".%s", path.key);
        used += n < 0 ? 0 : (size_t)n;
    }
    if (used < size && path.index != SIZE_MAX)
        snprintf(buf + used, size - used, "[%zu]", path.index);
}

static ed_status fail_v(ed_yreader *r, ed_status status, yaml_mark_t mark, const char *prefix,
                        const char *fmt, va_list ap)
{
    char msg[ED_MESSAGE_MAX];
    (void)vsnprintf(msg, sizeof msg, fmt, ap);
    if (prefix)
        return ed__error_set(r->err, status, mark.line + 1, mark.column + 1, "%s: %s", prefix, msg);
    return ed__error_set(r->err, status, mark.line + 1, mark.column + 1, "%s", msg);
}

ed_status ed__yr_fail_at(ed_yreader *r, ed_status status, yaml_mark_t mark, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    ed_status st = fail_v(r, status, mark, NULL, fmt, ap);
    va_end(ap);
    return st;
}

ed_status ed__yr_fail_path(ed_yreader *r, ed_status status, yaml_mark_t mark, ed_ypath path,
                          const char *fmt, ...)
{
    char where[160];
    path_format(path, where, sizeof where);
    va_list ap;
    va_start(ap, fmt);
    ed_status st = fail_v(r, status, mark, where, fmt, ap);
    va_end(ap);
    return st;
}

static ed_status parser_failure(ed_yreader *r)
{
    yaml_parser_t *p = &r->parser;
    if (p->error == YAML_MEMORY_ERROR)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory while parsing YAML");
    if (p->error == YAML_READER_ERROR) {
        size_t line, column;
        offset_position(r->data, p->problem_offset < r->len ? p->problem_offset : r->len, &line,
                        &column);
        return ed__error_set(r->err, ED_PARSE_ERROR, line, column, "document: not UTF-8 text: %s",
                            p->problem ? p->problem : "invalid input");
    }
    const char *problem = p->problem ? p->problem : "invalid YAML";
    if (p->context)
        return ed__error_set(r->err, ED_PARSE_ERROR, p->problem_mark.line + 1,
                            p->problem_mark.column + 1, "document: YAML syntax: %s %s", p->context,
                            problem);
    return ed__error_set(r->err, ED_PARSE_ERROR, p->problem_mark.line + 1,
                        p->problem_mark.column + 1, "document: YAML syntax: %s", problem);
}

/* ---- the event reader --------------------------------------------------- */

static bool starts_with(const char *data, size_t len, const char *prefix, size_t plen)
{
    return len >= plen && memcmp(data, prefix, plen) == 0;
}

/* Windows editors start UTF-8 files with a byte-order mark; it is skipped
 * here rather than by libyaml, because letting libyaml detect the encoding
 * would also let it decode UTF-16, which formats.md does not allow. The
 * encoding stays forced to UTF-8, so the UTF-16 and UTF-32 marks are named
 * here instead of surfacing as a NUL byte or a syntax error. */
static ed_status skip_utf8_bom(const char **data, size_t *len, ed_error **err)
{
    static const struct {
        const char *bytes;
        size_t len;
        const char *name;
    } foreign[] = {
        {"\x00\x00\xFE\xFF", 4, "UTF-32BE"},
        {"\xFF\xFE\x00\x00", 4, "UTF-32LE"},
        {"\xFE\xFF", 2, "UTF-16BE"},
        {"\xFF\xFE", 2, "UTF-16LE"},
    };
    if (starts_with(*data, *len, "\xEF\xBB\xBF", 3)) {
        *data += 3;
        *len -= 3;
        return ED_OK;
    }
    for (size_t i = 0; i < sizeof foreign / sizeof foreign[0]; i++)
        if (starts_with(*data, *len, foreign[i].bytes, foreign[i].len))
            return ed__error_set(err, ED_PARSE_ERROR, 1, 1,
                                "document: %s byte-order mark; the file must be UTF-8 text",
                                foreign[i].name);
    return ED_OK;
}

ed_status ed__yr_open(ed_yreader *r, const char *data, size_t len, const ed_options *opts,
                     ed_error **err)
{
    memset(r, 0, sizeof *r);
    r->err = err;
    ed_status st = skip_utf8_bom(&data, &len, err);
    if (st != ED_OK)
        return st;
    r->data = data;
    r->len = len;
    r->opts = opts;
    int64_t max = ed__options_max_document(opts);
    if ((uint64_t)len > (uint64_t)max)
        return ed__error_set(err, ED_LIMIT_EXCEEDED, 0, 0,
                            "document: %zu bytes, more than the limit of %" PRId64 " bytes", len,
                            max);
    const char *nul = len ? memchr(data, '\0', len) : NULL;
    if (nul) {
        size_t line, column;
        offset_position(data, (size_t)(nul - data), &line, &column);
        return ed__error_set(err, ED_PARSE_ERROR, line, column,
                            "document: NUL byte at offset %zu; the file must be UTF-8 text",
                            (size_t)(nul - data));
    }
    if (!yaml_parser_initialize(&r->parser))
        return ed__error_set(err, ED_NO_MEMORY, 0, 0, "out of memory while parsing YAML");
    r->open = true;
    yaml_parser_set_input_string(&r->parser, (const unsigned char *)(len ? data : ""), len);
    yaml_parser_set_encoding(&r->parser, YAML_UTF8_ENCODING);

    st = ed__yr_next(r); /* stream start */
    if (st == ED_OK)
        st = ed__yr_next(r);
    if (st == ED_OK && r->ev.type == YAML_STREAM_END_EVENT)
        st = ed__yr_fail_at(r, ED_SCHEMA_ERROR, r->ev.start_mark,
                           "document: empty; expected a mapping starting with `libedition: 1`");
    if (st == ED_OK && r->ev.data.document_start.tag_directives.start !=
                           r->ev.data.document_start.tag_directives.end)
        st = ed__yr_fail_at(r, ED_SCHEMA_ERROR, r->ev.start_mark,
                           "document: YAML tags are not allowed (%%TAG directive)");
    if (st != ED_OK)
        ed__yr_close(r);
    return st;
}

void ed__yr_close(ed_yreader *r)
{
    if (r->has_ev)
        yaml_event_delete(&r->ev);
    r->has_ev = false;
    if (r->open)
        yaml_parser_delete(&r->parser);
    r->open = false;
}

static const char *node_kind(const yaml_event_t *ev)
{
    switch (ev->type) {
    case YAML_SCALAR_EVENT:
        return "a scalar";
    case YAML_SEQUENCE_START_EVENT:
        return "a sequence";
    case YAML_MAPPING_START_EVENT:
        return "a mapping";
    default:
        return "no value";
    }
}

static ed_status check_node(ed_yreader *r, const yaml_char_t *anchor, const yaml_char_t *tag)
{
    if (anchor)
        return ed__yr_fail_at(r, ED_SCHEMA_ERROR, r->ev.start_mark,
                             "document: YAML anchors are not allowed (&%s)",
                             ED_SHOWN((const char *)anchor, strlen((const char *)anchor),
                                      ED_SHOW_VALUE));
    if (tag)
        return ed__yr_fail_at(r, ED_SCHEMA_ERROR, r->ev.start_mark,
                             "document: YAML tags are not allowed (%s)",
                             ED_SHOWN((const char *)tag, strlen((const char *)tag), ED_SHOW_VALUE));
    return ED_OK;
}

static ed_status enter(ed_yreader *r)
{
    if (++r->depth > ED_YAML_MAX_DEPTH)
        return ed__yr_fail_at(r, ED_LIMIT_EXCEEDED, r->ev.start_mark,
                             "document: nesting deeper than %u levels", ED_YAML_MAX_DEPTH);
    return ED_OK;
}

/* Replaces the current event with the next one; false when libyaml fails
 * (parser_failure then reports why). */
static bool advance(ed_yreader *r)
{
    if (r->has_ev) {
        yaml_event_delete(&r->ev);
        r->has_ev = false;
    }
    if (!yaml_parser_parse(&r->parser, &r->ev))
        return false;
    r->has_ev = true;
    return true;
}

/* The checks of ed__yr_next on the event advance just read. */
static ed_status check_event(ed_yreader *r)
{
    yaml_event_t *ev = &r->ev;
    ed_status st;
    switch (ev->type) {
    case YAML_ALIAS_EVENT:
        return ed__yr_fail_at(r, ED_SCHEMA_ERROR, ev->start_mark,
                             "document: YAML aliases are not allowed (*%s)",
                             ED_SHOWN((const char *)ev->data.alias.anchor,
                                      strlen((const char *)ev->data.alias.anchor), ED_SHOW_VALUE));
    case YAML_SCALAR_EVENT:
        if ((st = check_node(r, ev->data.scalar.anchor, ev->data.scalar.tag)) != ED_OK)
            return st;
        if (ev->data.scalar.length > ED_YAML_MAX_SCALAR)
            return ed__yr_fail_at(r, ED_LIMIT_EXCEEDED, ev->start_mark,
                                 "document: scalar of %zu bytes, longer than %u",
                                 ev->data.scalar.length, ED_YAML_MAX_SCALAR);
        return ED_OK;
    case YAML_SEQUENCE_START_EVENT:
        if ((st = check_node(r, ev->data.sequence_start.anchor, ev->data.sequence_start.tag)))
            return st;
        return enter(r);
    case YAML_MAPPING_START_EVENT:
        if ((st = check_node(r, ev->data.mapping_start.anchor, ev->data.mapping_start.tag)))
            return st;
        return enter(r);
    case YAML_SEQUENCE_END_EVENT:
    case YAML_MAPPING_END_EVENT:
        r->depth--;
        return ED_OK;
    default:
        return ED_OK;
    }
}

ed_status ed__yr_next(ed_yreader *r)
{
    if (!advance(r))
        return parser_failure(r);
    return check_event(r);
}

/* Consumes the rest of the node whose first event is current, so that a
 * wrong-typed value is still checked against every limit. */
static ed_status skip_node(ed_yreader *r)
{
    if (r->ev.type != YAML_SEQUENCE_START_EVENT && r->ev.type != YAML_MAPPING_START_EVENT)
        return ED_OK;
    unsigned depth = r->depth;
    while (r->depth >= depth) {
        ed_status st = ed__yr_next(r);
        if (st != ED_OK)
            return st;
    }
    return ED_OK;
}

ed_status ed__yr_wrong_type(ed_yreader *r, ed_ypath path, const char *expected)
{
    yaml_mark_t mark = r->ev.start_mark;
    const char *got = node_kind(&r->ev);
    ed_status st = skip_node(r);
    if (st != ED_OK)
        return st;
    return ed__yr_fail_path(r, ED_SCHEMA_ERROR, mark, path, "expected %s, got %s", expected, got);
}

ed_status ed__yr_mapping(ed_yreader *r, ed_ypath path)
{
    ed_status st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    if (r->ev.type != YAML_MAPPING_START_EVENT)
        return ed__yr_wrong_type(r, path, "a mapping");
    return ED_OK;
}

ed_status ed__yr_sequence(ed_yreader *r, ed_ypath path)
{
    ed_status st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    if (r->ev.type != YAML_SEQUENCE_START_EVENT)
        return ed__yr_wrong_type(r, path, "a sequence");
    return ED_OK;
}

ed_status ed__yr_key(ed_yreader *r, ed_ypath path, const char **key, size_t *len)
{
    ed_status st = ED_OK;
    if (r->key_pending)
        r->key_pending = false; /* ed__yr_root read it already */
    else
        st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    if (r->ev.type == YAML_MAPPING_END_EVENT) {
        *key = NULL;
        *len = 0;
        return ED_OK;
    }
    if (r->ev.type != YAML_SCALAR_EVENT)
        return ed__yr_wrong_type(r, path, "a key (scalar)");
    *key = (const char *)r->ev.data.scalar.value;
    *len = r->ev.data.scalar.length;
    return ED_OK;
}

ed_status ed__yr_item(ed_yreader *r, bool *more)
{
    ed_status st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    *more = r->ev.type != YAML_SEQUENCE_END_EVENT;
    return ED_OK;
}

/* ---- scalars ----------------------------------------------------------- */

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool word_in(const char *s, size_t len, const char *const *words)
{
    for (; *words; words++)
        if (strlen(*words) == len && memcmp(*words, s, len) == 0)
            return true;
    return false;
}

/* [0-9_]* with at least one digit; returns the number of bytes taken. */
static size_t digits(const char *s, size_t len, const char *set, bool *any)
{
    size_t i = 0;
    while (i < len && (strchr(set, s[i]) != NULL && s[i] != '\0')) {
        if (s[i] != '_')
            *any = true;
        i++;
    }
    return i;
}

/* YAML 1.1 and 1.2 ints and floats, with 1.1's underscores and
 * sexagesimal forms. */
static bool looks_numeric(const char *s, size_t len)
{
    static const char *const special[] = {".inf", ".Inf", ".INF", ".nan", ".NaN", ".NAN", NULL};
    size_t i = 0;
    if (i < len && (s[i] == '+' || s[i] == '-'))
        i++;
    if (word_in(s + i, len - i, special))
        return true;
    bool any = false;
    if (len - i > 2 && s[i] == '0' && strchr("xXoObB", s[i + 1])) {
        const char *set = (s[i + 1] == 'x' || s[i + 1] == 'X') ? "0123456789abcdefABCDEF_"
                          : (s[i + 1] == 'b' || s[i + 1] == 'B') ? "01_"
                                                                 : "01234567_";
        size_t n = digits(s + i + 2, len - i - 2, set, &any);
        return any && i + 2 + n == len;
    }
    i += digits(s + i, len - i, "0123456789_", &any);
    while (any && i < len && s[i] == ':') { /* 1.1 sexagesimal: 1:30:00 */
        bool part = false;
        size_t n = digits(s + i + 1, len - i - 1, "0123456789_", &part);
        if (!part)
            return false;
        i += 1 + n;
    }
    if (i < len && s[i] == '.') {
        i++;
        i += digits(s + i, len - i, "0123456789_", &any);
    }
    if (!any)
        return false;
    if (i < len && (s[i] == 'e' || s[i] == 'E')) {
        i++;
        if (i < len && (s[i] == '+' || s[i] == '-'))
            i++;
        bool exp = false;
        i += digits(s + i, len - i, "0123456789", &exp);
        if (!exp)
            return false;
    }
    return i == len;
}

/* ed__yaml_plain_not_string past its fast path. */
static bool plain_word_or_number(const char *s, size_t len)
{
    static const char *const words[] = {
        "~",    "null", "Null",  "NULL",  "y",     "Y",     "yes", "Yes", "YES", "n",
        "N",    "no",   "No",    "NO",    "true",  "True",  "TRUE", "false", "False", "FALSE",
        "on",   "On",   "ON",    "off",   "Off",   "OFF",   NULL};
    if (word_in(s, len, words) || looks_numeric(s, len))
        return true;
    /* A YAML 1.1 timestamp starts with a date: YYYY-M-D. */
    if (len >= 8 && is_digit(s[0]) && is_digit(s[1]) && is_digit(s[2]) && is_digit(s[3]) &&
        s[4] == '-' && is_digit(s[5])) {
        size_t i = is_digit(s[6]) ? 7 : 6;
        if (i + 1 < len && s[i] == '-' && is_digit(s[i + 1]))
            return true;
    }
    return false;
}

/* ed__yaml_plain_not_string, inlined where every name goes through it */
static inline bool plain_not_string(const char *s, size_t len)
{
    if (len == 0)
        return true;
    /* Fast path for the common case: every non-string word is at most five
     * characters long, and numbers and dates start with a digit, a sign, a
     * dot or a tilde. */
    char c = s[0];
    bool numeric_start = is_digit(c) || c == '+' || c == '-' || c == '.';
    if (!numeric_start && (len > 5 || c == '_'))
        return false;
    return plain_word_or_number(s, len);
}

bool ed__yaml_plain_not_string(const char *s, size_t len)
{
    return plain_not_string(s, len);
}

ed_status ed__yr_current_string(ed_yreader *r, ed_ypath path, const char **s, size_t *len)
{
    if (r->ev.type != YAML_SCALAR_EVENT)
        return ed__yr_wrong_type(r, path, "a string");
    const char *v = (const char *)r->ev.data.scalar.value;
    size_t n = r->ev.data.scalar.length;
    if (r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE && ed__yaml_plain_not_string(v, n))
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "expected a string, but the plain scalar `%s` reads as null, a "
                               "boolean, a number or a date in YAML; quote it",
                               ED_SHOWN(v, n, ED_SHOW_VALUE));
    /* Kept as C strings, "orders\0x" would become "orders": a valid name in
     * place of the one written, and a message that shows the valid one.
     * Only a double-quoted escape (\0, \x00, \u0000) can make a NUL:
     * ed__yr_open refused the document if it held one. */
    if (r->ev.data.scalar.style == YAML_DOUBLE_QUOTED_SCALAR_STYLE && v != NULL &&
        memchr(v, '\0', n) != NULL)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "the string contains a NUL character (\\0), which no name, ID "
                               "or endpoint may hold");
    *s = v;
    *len = n;
    return ED_OK;
}

ed_status ed__yr_string(ed_yreader *r, ed_ypath path, const char **s, size_t *len)
{
    *s = ""; /* defined on every path, failures included */
    *len = 0;
    ed_status st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    return ed__yr_current_string(r, path, s, len);
}

/* Reads the next event as a scalar of the wanted style: `quoted_ok` admits
 * single- and double-quoted scalars besides plain ones (formats.md: a word
 * is the same string either way); literal and folded blocks are never a
 * word. */
static ed_status scalar_of_style(ed_yreader *r, ed_ypath path, const char *what, bool quoted_ok,
                                 const char **s, size_t *len)
{
    *s = ""; /* defined on every path, failures included */
    *len = 0;
    ed_status st = ed__yr_next(r);
    if (st != ED_OK)
        return st;
    if (r->ev.type != YAML_SCALAR_EVENT)
        return ed__yr_wrong_type(r, path, what);
    yaml_scalar_style_t style = r->ev.data.scalar.style;
    bool quoted =
        style == YAML_SINGLE_QUOTED_SCALAR_STYLE || style == YAML_DOUBLE_QUOTED_SCALAR_STYLE;
    if (style != YAML_PLAIN_SCALAR_STYLE && !(quoted_ok && quoted)) {
        if (quoted_ok)
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                   "expected %s as a plain or quoted scalar, got a block scalar",
                                   what);
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "expected %s as a plain (unquoted) scalar, got a %s", what,
                               quoted ? "quoted string" : "block scalar");
    }
    /* libyaml gives every scalar a value, "" when empty */
    *s = r->ev.data.scalar.value ? (const char *)r->ev.data.scalar.value : "";
    *len = r->ev.data.scalar.length;
    return ED_OK;
}

ed_status ed__yr_plain(ed_yreader *r, ed_ypath path, const char *what, const char **s,
                      size_t *len)
{
    return scalar_of_style(r, path, what, false, s, len);
}

ed_status ed__yr_word(ed_yreader *r, ed_ypath path, const char *what, const char **s,
                     size_t *len)
{
    return scalar_of_style(r, path, what, true, s, len);
}

static ed_status not_integer(ed_yreader *r, ed_ypath path, const char *s, size_t len)
{
    return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                           "expected a decimal integer, got `%s`", ED_SHOWN(s, len,
                           ED_SHOW_VALUE));
}

/* Decimal digits without a leading zero (YAML 1.1 reads those as octal). */
static bool parse_digits(const char *s, size_t len, uint64_t *out, bool *overflow)
{
    if (len == 0 || (len > 1 && s[0] == '0'))
        return false;
    uint64_t v = 0;
    *overflow = false;
    for (size_t i = 0; i < len; i++) {
        if (!is_digit(s[i]))
            return false;
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT64_MAX - d) / 10)
            *overflow = true;
        else
            v = v * 10 + d;
    }
    *out = v;
    return true;
}

ed_status ed__yr_uint(ed_yreader *r, ed_ypath path, uint64_t max, uint64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_plain(r, path, "an integer", &s, &len);
    if (st != ED_OK)
        return st;
    uint64_t v;
    bool overflow;
    if (!parse_digits(s, len, &v, &overflow))
        return not_integer(r, path, s, len);
    if (overflow)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "%s does not fit in 64 bits", ED_SHOWN(s, len, ED_SHOW_VALUE));
    if (v > max)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "%" PRIu64 " is out of range (at most %" PRIu64 ")", v, max);
    *out = v;
    return ED_OK;
}

ed_status ed__yr_int(ed_yreader *r, ed_ypath path, int64_t *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_plain(r, path, "an integer", &s, &len);
    if (st != ED_OK)
        return st;
    bool neg = len > 0 && s[0] == '-';
    uint64_t v;
    bool overflow;
    if (!parse_digits(s + neg, len - neg, &v, &overflow) || (neg && v == 0))
        return not_integer(r, path, s, len);
    if (overflow || v > (uint64_t)INT64_MAX + neg)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "%s does not fit in 64 bits", ED_SHOWN(s, len, ED_SHOW_VALUE));
    *out = neg ? (int64_t)(0 - v) : (int64_t)v;
    return ED_OK;
}

ed_status ed__yr_bool(ed_yreader *r, ed_ypath path, bool *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_plain(r, path, "a boolean", &s, &len);
    if (st != ED_OK)
        return st;
    if (len == 4 && memcmp(s, "true", 4) == 0)
        *out = true;
    else if (len == 5 && memcmp(s, "false", 5) == 0)
        *out = false;
    else
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "expected true or false, got `%s`", ED_SHOWN(s, len,
                               ED_SHOW_VALUE));
    return ED_OK;
}

ed_status ed__yr_time(ed_yreader *r, ed_ypath path, ed_time *out)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_word(r, path, "a time", &s, &len);
    if (st != ED_OK)
        return st;
    st = ed_time_parse(s, len, out);
    if (st == ED_NO_MEMORY)
        return ed__error_set(r->err, st, 0, 0, "out of memory");
    if (st != ED_OK && len > 20 && s[19] == '.' && s[20] >= '0' && s[20] <= '9')
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "`%s`: fractional seconds are not supported (write whole "
                               "seconds, e.g. 2026-02-01T00:00:00Z)",
                               ED_SHOWN(s, len, ED_SHOW_VALUE));
    if (st != ED_OK)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "`%s` is not an RFC 3339 time in years 0000..9999 (e.g. "
                               "2026-02-01T00:00:00Z)",
                               ED_SHOWN(s, len, ED_SHOW_VALUE));
    return ED_OK;
}

ed_status ed__yr_version(ed_yreader *r, ed_ypath path)
{
    uint64_t v = 0;
    ed_status st = ed__yr_uint(r, path, UINT64_MAX, &v);
    if (st != ED_OK)
        return st;
    if (v != ED_YAML_FORMAT_VERSION)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "format version %" PRIu64 " is not supported (this library "
                               "reads version %d)",
                               v, ED_YAML_FORMAT_VERSION);
    return ED_OK;
}

ed_status ed__yr_finish(ed_yreader *r)
{
    ed_status st = ed__yr_next(r); /* document end */
    if (st == ED_OK)
        st = ed__yr_next(r);
    if (st == ED_OK && r->ev.type != YAML_STREAM_END_EVENT)
        st = ed__yr_fail_at(r, ED_SCHEMA_ERROR, r->ev.start_mark,
                           "document: more than one YAML document; the file must hold one");
    return st;
}

/* ---- enum values by name ------------------------------------------------ */

static int key_index(const char *const *keys, int count, const char *s, size_t len)
{
    for (int i = 0; i < count; i++)
        if (strlen(keys[i]) == len && memcmp(keys[i], s, len) == 0)
            return i;
    return -1;
}

/* The next key of a mapping whose keys are `keys`: its index in *key, or
 * -1 at the end of the mapping. An unknown or repeated key is a schema
 * error; *seen records the keys met so far. */
static ed_status next_key(ed_yreader *r, ed_ypath here, const char *const *keys, int count,
                          unsigned *seen, int *key)
{
    const char *k = NULL;
    size_t klen = 0;
    *key = -1;
    ed_status st = ed__yr_key(r, here, &k, &klen);
    if (st != ED_OK || !k)
        return st;
    int i = key_index(keys, count, k, klen);
    if (i < 0)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, here, "unknown key `%s`",
                               ED_SHOWN(k, klen, ED_SHOW_VALUE));
    if (*seen & (1u << i))
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, here, "duplicate key `%s`",
                               keys[i]);
    *seen |= 1u << i;
    *key = i;
    return ED_OK;
}

/* Reads an enum name (plain or quoted) into a NUL-terminated buffer for *_from_name. */
static ed_status enum_text(ed_yreader *r, ed_ypath path, const char *what, char *buf,
                           size_t size)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_word(r, path, what, &s, &len);
    if (st != ED_OK)
        return st;
    if (len >= size) {
        memcpy(buf, s, size - 1);
        buf[size - 1] = '\0';
    } else {
        memcpy(buf, s, len);
        buf[len] = '\0';
    }
    if (len >= size || strlen(buf) != len)
        buf[0] = '\0'; /* too long to be a name: no name matches "" */
    return ED_OK;
}

static ed_status unknown_value(ed_yreader *r, ed_ypath path, const char *what)
{
    const char /* libyaml gives every scalar a value, "" when empty */
    *s = r->ev.data.scalar.value ? (const char *)r->ev.data.scalar.value : "";
    size_t len = r->ev.data.scalar.length;
    return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path, "unknown %s `%s`", what,
                           ED_SHOWN(s, len, ED_SHOW_VALUE));
}

/* ---- the instance mapping ----------------------------------------------- */

typedef struct inst_build {
    char id[ED_ID_MAX + 1];
    char endpoint[ED_ENDPOINT_MAX + 1];
    char region[ED_REGION_MAX + 1];
    ed_edition edition;
    ed_billing billing;
    ed_cluster cluster;
    ed_lifecycle lifecycle;
    uint64_t revision;
    ed_time created_at, updated_at, release_at;
    int release_delay_days;
    ed_time started_at, expires_at;
    int period_months;
    ed_action action;
    ed_cluster mig_from, mig_to;
    ed_time mig_started_at;
    ed_names *topics, *groups;
    unsigned seen;                /* bit per ed_ikey */
    yaml_mark_t mark[ED_IK_COUNT]; /* where each value starts */
} inst_build;

static ed_status read_token(ed_yreader *r, ed_ypath path, char *buf, size_t min, size_t max,
                            const char *rule)
{
    const char *s = NULL;
    size_t len = 0;
    ed_status st = ed__yr_string(r, path, &s, &len);
    if (st != ED_OK)
        return st;
    if (!ed__is_token(s, len, min, max))
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                               "`%s` is not %s", ED_SHOWN(s, len, ED_SHOW_VALUE), rule);
    memcpy(buf, s, len);
    buf[len] = '\0';
    return ED_OK;
}

static ed_status read_subscription(ed_yreader *r, const char *ctx, inst_build *b)
{
    char sub[96];
    snprintf(sub, sizeof sub, "%s.%s", ctx, ed__yaml_instance_keys[ED_IK_SUBSCRIPTION]);
    ed_ypath here = {ctx, ed__yaml_instance_keys[ED_IK_SUBSCRIPTION], SIZE_MAX};
    ed_status st = ed__yr_mapping(r, here);
    if (st != ED_OK)
        return st;
    yaml_mark_t start = r->ev.start_mark;
    unsigned seen = 0;
    b->action = ED_ACTION_DELETE_RESOURCE;
    for (;;) {
        int key;
        if ((st = next_key(r, here, ed__yaml_subscription_keys, ED_SK_COUNT, &seen, &key)) != ED_OK)
            return st;
        if (key < 0)
            break;
        ed_ypath path = {sub, ed__yaml_subscription_keys[key], SIZE_MAX};
        switch ((ed_skey)key) {
        case ED_SK_STARTED_AT:
            st = ed__yr_time(r, path, &b->started_at);
            break;
        case ED_SK_EXPIRES_AT:
            st = ed__yr_time(r, path, &b->expires_at);
            break;
        case ED_SK_PERIOD_MONTHS: {
            uint64_t v = 0;
            st = ed__yr_uint(r, path, ED_PERIOD_MAX, &v);
            if (st == ED_OK && v < ED_PERIOD_MIN)
                st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                     "0 is out of range (%d..%d)", ED_PERIOD_MIN, ED_PERIOD_MAX);
            b->period_months = (int)v;
            break;
        }
        case ED_SK_POST_EXPIRATION_ACTION: {
            char name[48];
            st = enum_text(r, path, "an action", name, sizeof name);
            if (st == ED_OK && ed_action_from_name(name, &b->action) != ED_OK)
                st = unknown_value(r, path, "action");
            break;
        }
        case ED_SK_COUNT:
            break;
        }
        if (st != ED_OK)
            return st;
    }
    for (int key = 0; key < ED_SK_COUNT; key++)
        if (key != ED_SK_POST_EXPIRATION_ACTION && !(seen & (1u << key)))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here, "missing key `%s`",
                                   ed__yaml_subscription_keys[key]);
    return ED_OK;
}

static ed_status read_cluster(ed_yreader *r, ed_ypath path, ed_cluster *out)
{
    char name[48];
    ed_status st = enum_text(r, path, "a cluster", name, sizeof name);
    if (st == ED_OK && ed_cluster_from_name(name, out) != ED_OK)
        st = unknown_value(r, path, "cluster");
    return st;
}

static ed_status read_migration(ed_yreader *r, const char *ctx, inst_build *b)
{
    char mig[96];
    snprintf(mig, sizeof mig, "%s.%s", ctx, ed__yaml_instance_keys[ED_IK_MIGRATION]);
    ed_ypath here = {ctx, ed__yaml_instance_keys[ED_IK_MIGRATION], SIZE_MAX};
    ed_status st = ed__yr_mapping(r, here);
    if (st != ED_OK)
        return st;
    yaml_mark_t start = r->ev.start_mark;
    unsigned seen = 0;
    for (;;) {
        int key;
        if ((st = next_key(r, here, ed__yaml_migration_keys, ED_MK_COUNT, &seen, &key)) != ED_OK)
            return st;
        if (key < 0)
            break;
        ed_ypath path = {mig, ed__yaml_migration_keys[key], SIZE_MAX};
        switch ((ed_mkey)key) {
        case ED_MK_FROM:
            st = read_cluster(r, path, &b->mig_from);
            break;
        case ED_MK_TO:
            st = read_cluster(r, path, &b->mig_to);
            if (st == ED_OK && (seen & (1u << ED_MK_FROM)) && b->mig_to == b->mig_from)
                st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                     "a migration moves between two different clusters");
            break;
        case ED_MK_STARTED_AT:
            st = ed__yr_time(r, path, &b->mig_started_at);
            break;
        case ED_MK_COUNT:
            break;
        }
        if (st != ED_OK)
            return st;
    }
    for (int key = 0; key < ED_MK_COUNT; key++)
        if (!(seen & (1u << key)))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here, "missing key `%s`",
                                   ed__yaml_migration_keys[key]);
    if (b->mig_from == b->mig_to)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here,
                               "a migration moves between two different clusters");
    return ED_OK;
}

/* A guess at the number of items of the flow sequence whose start event is
 * current, from its commas, so that a long list is stored in tables of the
 * right size instead of ones grown by doubling. Only a hint: the parser
 * still decides what the items are. */
static size_t flow_count_hint(const ed_yreader *r)
{
    if (r->ev.data.sequence_start.style != YAML_FLOW_SEQUENCE_STYLE)
        return 0;
    /* The mark counts characters; for ASCII input that is the byte offset,
     * otherwise it is earlier, which only makes the guess larger. */
    size_t i = r->ev.start_mark.index;
    if (i >= r->len || r->data[i] != '[')
        return 0;
    /* memchr finds the end, and a loop without an exit counts the commas
     * before it a vector at a time */
    const char *items = r->data + i + 1;
    const char *end = memchr(items, ']', r->len - i - 1);
    size_t span = end ? (size_t)(end - items) : r->len - i - 1;
    size_t commas = 0;
    for (size_t k = 0; k < span;) {
        /* in blocks of 255 bytes, so that a byte holds each lane's count */
        size_t stop = span - k > 255 ? k + 255 : span;
        unsigned char block = 0;
        for (; k < stop; k++)
            block = (unsigned char)(block + (items[k] == ','));
        commas += block;
    }
    return commas + 1;
}

/* Reads topics (is_topic) or groups into a new table. `other` is the table
 * of the other kind when it was read first, for the shared-name rule. */
static ed_status read_names(ed_yreader *r, const char *ctx, bool is_topic, const ed_names *other,
                            ed_names **out)
{
    const char *key = ed__yaml_instance_keys[is_topic ? ED_IK_TOPICS : ED_IK_GROUPS];
    const char *kind = is_topic ? "topic" : "group";
    ed_ypath here = {ctx, key, SIZE_MAX};
    ed_status st = ed__yr_sequence(r, here);
    if (st != ED_OK)
        return st;
    ed_names *names = ed__names_new(flow_count_hint(r));
    if (!names)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    int min = is_topic ? ED_TOPIC_MIN : ED_GROUP_MIN;
    /* Item i - 1 waits in the table's store for its duplicate check until
     * libyaml has parsed item i, so that the index slot the check reads has
     * come into the cache meanwhile; its errors still come first. */
    const char *staged = NULL;
    size_t staged_len = 0;
    uint64_t staged_hash = 0;
    yaml_mark_t staged_mark = {0, 0, 0};
    for (size_t i = 0;; i++) {
        bool parsed = advance(r);
        if (staged && ed__names_commit(names, staged_len, staged_hash) != ED_OK) {
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, staged_mark, (ed_ypath){ctx, key, i - 1},
                                 "duplicate %s `%s`", kind,
                                 ED_SHOWN(staged, staged_len, ED_SHOW_VALUE));
            break;
        }
        staged = NULL;
        if (!parsed) {
            st = parser_failure(r);
            break;
        }
        if ((st = check_event(r)) != ED_OK || r->ev.type == YAML_SEQUENCE_END_EVENT)
            break;
        /* The common item, a plain name, is checked here without building
         * its path; anything else goes through ed__yr_current_string, which
         * names the item in its errors. */
        const char *s = NULL;
        size_t len = 0;
        if (r->ev.type == YAML_SCALAR_EVENT && r->ev.data.scalar.style == YAML_PLAIN_SCALAR_STYLE &&
            !plain_not_string((const char *)r->ev.data.scalar.value, r->ev.data.scalar.length)) {
            s = (const char *)r->ev.data.scalar.value;
            len = r->ev.data.scalar.length;
        } else if ((st = ed__yr_current_string(r, (ed_ypath){ctx, key, i}, &s, &len)) != ED_OK) {
            break;
        }
        /* checked, hashed once for both tables and staged in one pass */
        uint64_t h = 0;
        const char *copy = NULL;
        if (ed__names_stage(names, s, len, (size_t)min, &h, &copy) != ED_OK) {
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, (ed_ypath){ctx, key, i},
                                 "invalid %s name `%s` (%d..%d characters of A-Z a-z 0-9 - _)",
                                 kind, ED_SHOWN(s, len, ED_SHOW_VALUE), min, ED_NAME_MAX);
            break;
        }
        if (other && ed__names_find_hashed(other, s, len, h) != SIZE_MAX) {
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, (ed_ypath){ctx, key, i},
                                 "`%s` is also a %s; a topic and a group may not share a name",
                                 ED_SHOWN(s, len, ED_SHOW_VALUE), is_topic ? "group" : "topic");
            break;
        }
        if (copy) {
            staged = copy;
            staged_len = len;
            staged_hash = h;
            staged_mark = r->ev.start_mark;
            continue;
        }
        /* the table must grow, or is full: push now */
        st = ed__names_push_hashed(names, s, len, h);
        if (st == ED_EXISTS)
            st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, (ed_ypath){ctx, key, i},
                                 "duplicate %s `%s`", kind,
                                 ED_SHOWN(s, len, ED_SHOW_VALUE));
        else if (st == ED_LIMIT_EXCEEDED)
            st = ed__yr_fail_path(r, ED_LIMIT_EXCEEDED, r->ev.start_mark,
                                 (ed_ypath){ctx, key, i}, "more than %u %ss", ED_MAX_NAMES, kind);
        else if (st != ED_OK)
            st = ed__error_set(r->err, st, 0, 0, "out of memory");
        if (st != ED_OK)
            break;
    }
    if (st != ED_OK) {
        ed__names_unref(names);
        return st;
    }
    *out = names;
    return ED_OK;
}

static ed_status read_instance_key(ed_yreader *r, const char *ctx, ed_ikey key, inst_build *b)
{
    ed_ypath path = {ctx, ed__yaml_instance_keys[key], SIZE_MAX};
    ed_status st = ED_OK;
    char name[48];
    switch (key) {
    case ED_IK_ID: {
        const char *s = NULL;
        size_t len = 0;
        st = ed__yr_string(r, path, &s, &len);
        if (st == ED_OK && ed__check_instance_id(s, len) != ED_OK)
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, r->ev.start_mark, path,
                                   "`%s` is not an instance ID (1..%d printable ASCII "
                                   "characters without spaces)",
                                   ED_SHOWN(s, len, ED_SHOW_VALUE), ED_ID_MAX);
        if (st == ED_OK) {
            memcpy(b->id, s, len);
            b->id[len] = '\0';
        }
        break;
    }
    case ED_IK_ENDPOINT:
        st = read_token(r, path, b->endpoint, 1, ED_ENDPOINT_MAX,
                        "an endpoint (1..1024 printable ASCII characters without spaces)");
        break;
    case ED_IK_REGION:
        st = read_token(r, path, b->region, 1, ED_REGION_MAX,
                        "a region (1..64 printable ASCII characters without spaces)");
        break;
    case ED_IK_EDITION:
        st = enum_text(r, path, "an edition", name, sizeof name);
        if (st == ED_OK && ed_edition_from_name(name, &b->edition) != ED_OK)
            st = unknown_value(r, path, "edition");
        break;
    case ED_IK_BILLING:
        st = enum_text(r, path, "a billing method", name, sizeof name);
        if (st == ED_OK && ed_billing_from_name(name, &b->billing) != ED_OK)
            st = unknown_value(r, path, "billing method");
        break;
    case ED_IK_CLUSTER:
        st = read_cluster(r, path, &b->cluster);
        break;
    case ED_IK_LIFECYCLE:
        st = enum_text(r, path, "a lifecycle", name, sizeof name);
        if (st == ED_OK && ed_lifecycle_from_name(name, &b->lifecycle) != ED_OK)
            st = unknown_value(r, path, "lifecycle");
        break;
    case ED_IK_REVISION:
        st = ed__yr_uint(r, path, UINT64_MAX, &b->revision);
        break;
    case ED_IK_CREATED_AT:
        st = ed__yr_time(r, path, &b->created_at);
        break;
    case ED_IK_UPDATED_AT:
        st = ed__yr_time(r, path, &b->updated_at);
        break;
    case ED_IK_RELEASE_DELAY_DAYS: {
        uint64_t v = 0;
        st = ed__yr_uint(r, path, ED_RELEASE_DELAY_MAX, &v);
        b->release_delay_days = (int)v;
        break;
    }
    case ED_IK_RELEASE_AT:
        st = ed__yr_time(r, path, &b->release_at);
        break;
    case ED_IK_SUBSCRIPTION:
        st = read_subscription(r, ctx, b);
        break;
    case ED_IK_MIGRATION:
        st = read_migration(r, ctx, b);
        break;
    case ED_IK_TOPICS:
        st = read_names(r, ctx, true, b->groups, &b->topics);
        break;
    case ED_IK_GROUPS:
        st = read_names(r, ctx, false, b->topics, &b->groups);
        break;
    case ED_IK_COUNT:
        break;
    }
    return st;
}

static bool has(const inst_build *b, ed_ikey key)
{
    return (b->seen & (1u << key)) != 0;
}

/* The rules between fields that the key-by-key reading cannot see. */
static ed_status check_instance(ed_yreader *r, const char *ctx, yaml_mark_t start,
                                inst_build *b)
{
    static const ed_ikey required[] = {ED_IK_ID, ED_IK_ENDPOINT, ED_IK_EDITION,
                                       ED_IK_CREATED_AT};
    ed_ypath here = {ctx, NULL, SIZE_MAX};
    for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
        if (!has(b, required[i]))
            return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here, "missing key `%s`",
                                   ed__yaml_instance_keys[required[i]]);
    bool platinum = b->edition == ED_EDITION_ENTERPRISE_PLATINUM;
    ed_billing billing = platinum ? ED_BILLING_SUBSCRIPTION : ED_BILLING_PAY_AS_YOU_GO;
    ed_cluster cluster = platinum ? ED_CLUSTER_DEDICATED : ED_CLUSTER_SHARED;
    const char *edition = ed_edition_name(b->edition);
    if (has(b, ED_IK_BILLING) && b->billing != billing)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, b->mark[ED_IK_BILLING],
                               (ed_ypath){ctx, ed__yaml_instance_keys[ED_IK_BILLING], SIZE_MAX},
                               "%s contradicts edition %s, which is billed by %s",
                               ed_billing_name(b->billing), edition, ed_billing_name(billing));
    if (has(b, ED_IK_CLUSTER) && b->cluster != cluster)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, b->mark[ED_IK_CLUSTER],
                               (ed_ypath){ctx, ed__yaml_instance_keys[ED_IK_CLUSTER], SIZE_MAX},
                               "%s contradicts edition %s, which runs on the %s cluster",
                               ed_cluster_name(b->cluster), edition, ed_cluster_name(cluster));
    char reason[ED_MESSAGE_MAX];
    bool missing;
    const char *part = ed__instance_parts_rule(b->edition, b->lifecycle,
                                               has(b, ED_IK_SUBSCRIPTION),
                                               has(b, ED_IK_RELEASE_AT), &missing, reason,
                                               sizeof reason);
    if (part && missing)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, here, "missing key `%s` (%s)", part,
                               reason);
    if (part) {
        /* present where the rule forbids it: point at its value */
        int key = key_index(ed__yaml_instance_keys, ED_IK_COUNT, part, strlen(part));
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, key < 0 ? start : b->mark[key],
                               (ed_ypath){ctx, part, SIZE_MAX}, "%s", reason);
    }
    return ED_OK;
}

static ed_status build_instance(ed_yreader *r, const char *ctx, yaml_mark_t start,
                                inst_build *b, ed_instance **out)
{
    ed_ident *ident = ed__ident_new(b->id, b->endpoint, has(b, ED_IK_REGION) ? b->region : NULL);
    if (!ident)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    ed_instance *inst = ed__instance_alloc(ident, b->topics, b->groups);
    b->topics = b->groups = NULL; /* owned (or released) by ed__instance_alloc */
    if (!inst)
        return ed__error_set(r->err, ED_NO_MEMORY, 0, 0, "out of memory");
    inst->edition = b->edition;
    inst->lifecycle = b->lifecycle;
    inst->revision = b->revision;
    inst->created_at = b->created_at;
    inst->updated_at = has(b, ED_IK_UPDATED_AT) ? b->updated_at : b->created_at;
    inst->release_delay_days = b->release_delay_days;
    inst->has_subscription = has(b, ED_IK_SUBSCRIPTION);
    if (inst->has_subscription) {
        inst->started_at = b->started_at;
        inst->expires_at = b->expires_at;
        inst->period_months = b->period_months;
        inst->action = b->action;
    }
    inst->has_release_at = has(b, ED_IK_RELEASE_AT);
    inst->release_at = b->release_at;
    inst->has_migration = has(b, ED_IK_MIGRATION);
    if (inst->has_migration) {
        inst->migration_from = b->mig_from;
        inst->migration_to = b->mig_to;
        inst->migration_started_at = b->mig_started_at;
    }
    char msg[ED_MESSAGE_MAX];
    msg[0] = '\0';
    ed_status st = ed__instance_validate(inst, msg, sizeof msg);
    if (st != ED_OK) {
        ed_instance_free(inst);
        if (st == ED_NO_MEMORY)
            return ed__error_set(r->err, st, 0, 0, "out of memory");
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, (ed_ypath){ctx, NULL, SIZE_MAX}, "%s",
                               msg[0] ? msg : "the fields contradict each other");
    }
    *out = inst;
    return ED_OK;
}

ed_status ed__yr_instance(ed_yreader *r, const char *ctx, ed_instance **out)
{
    ed_ypath here = {ctx, NULL, SIZE_MAX};
    ed_status st = ed__yr_mapping(r, here);
    if (st != ED_OK)
        return st;
    yaml_mark_t start = r->ev.start_mark;
    inst_build b;
    memset(&b, 0, sizeof b);
    b.edition = ED_EDITION_STANDARD;
    b.lifecycle = ED_LIFECYCLE_ACTIVE;
    b.release_delay_days = ED_RELEASE_DELAY_DEFAULT;
    for (;;) {
        int key;
        if ((st = next_key(r, here, ed__yaml_instance_keys, ED_IK_COUNT, &b.seen, &key)) != ED_OK)
            break;
        if (key < 0)
            break;
        yaml_mark_t key_mark = r->ev.start_mark;
        if ((st = read_instance_key(r, ctx, (ed_ikey)key, &b)) != ED_OK)
            break;
        /* A scalar value is still the current event: point at it; for a
         * collection (now at its end event) point at its key. */
        b.mark[key] = r->ev.type == YAML_SCALAR_EVENT ? r->ev.start_mark : key_mark;
    }
    if (st == ED_OK)
        st = check_instance(r, ctx, start, &b);
    if (st == ED_OK)
        st = build_instance(r, ctx, start, &b, out);
    ed__names_unref(b.topics);
    ed__names_unref(b.groups);
    return st;
}

/* ---- the state file ----------------------------------------------------- */

static bool is_version_key(const char *k, size_t len)
{
    return k && len == strlen(ED_YAML_KEY_VERSION) && memcmp(k, ED_YAML_KEY_VERSION, len) == 0;
}

/* Finds and checks the root's `libedition:` value when it is not the first
 * key, with a second reader over the same bytes: libyaml's parser cannot
 * go back, and the version must be known before the keys before it are
 * judged. Values on the way are skipped, limits still enforced. */
static ed_status scan_version(ed_yreader *r, yaml_mark_t root_mark)
{
    ed_ypath root = {NULL, NULL, SIZE_MAX};
    ed_yreader scan;
    ed_status st = ed__yr_open(&scan, r->data, r->len, r->opts, r->err);
    if (st != ED_OK)
        return st;
    bool found = false;
    st = ed__yr_mapping(&scan, root);
    while (st == ED_OK && !found) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(&scan, root, &k, &klen)) != ED_OK || !k)
            break;
        found = is_version_key(k, klen);
        if (found)
            st = ed__yr_version(&scan, (ed_ypath){ED_YAML_KEY_VERSION, NULL, SIZE_MAX});
        else if ((st = ed__yr_next(&scan)) == ED_OK)
            st = skip_node(&scan);
    }
    ed__yr_close(&scan);
    if (st == ED_OK && !found)
        st = ed__yr_fail_path(r, ED_SCHEMA_ERROR, root_mark, root, "missing key `%s`",
                             ED_YAML_KEY_VERSION);
    return st;
}

ed_status ed__yr_root(ed_yreader *r, yaml_mark_t *root_mark)
{
    ed_ypath root = {NULL, NULL, SIZE_MAX};
    ed_status st = ed__yr_mapping(r, root);
    if (st != ED_OK)
        return st;
    yaml_mark_t start = r->ev.start_mark;
    *root_mark = start;
    const char *k = NULL;
    size_t klen = 0;
    if ((st = ed__yr_key(r, root, &k, &klen)) != ED_OK)
        return st;
    if (!k)
        return ed__yr_fail_path(r, ED_SCHEMA_ERROR, start, root, "missing key `%s`",
                               ED_YAML_KEY_VERSION);
    if (!is_version_key(k, klen)) {
        r->key_pending = true;
        return scan_version(r, start);
    }
    r->version_read = true;
    return ed__yr_version(r, (ed_ypath){ED_YAML_KEY_VERSION, NULL, SIZE_MAX});
}

bool ed__yr_root_version_key(ed_yreader *r, const char *k, size_t len, ed_status *st)
{
    if (r->version_read || !is_version_key(k, len))
        return false;
    r->version_read = true;
    *st = ed__yr_version(r, (ed_ypath){ED_YAML_KEY_VERSION, NULL, SIZE_MAX});
    return true;
}

ed_status ed_instance_load_yaml(ed_instance **out, const char *data, size_t len,
                                const ed_options *opts, ed_error **err)
{
    if (!out || (!data && len))
        return ed__error_set(err, ED_INVALID_ARGUMENT, 0, 0,
                            "ed_instance_load_yaml: out and data must not be NULL");
    ed_yreader r;
    ed_status st = ed__yr_open(&r, data, len, opts, err);
    if (st != ED_OK)
        return st;
    ed_instance *inst = NULL;
    yaml_mark_t start = {0, 0, 0};
    st = ed__yr_root(&r, &start);
    ed_ypath root = {NULL, NULL, SIZE_MAX};
    while (st == ED_OK) {
        const char *k = NULL;
        size_t klen = 0;
        if ((st = ed__yr_key(&r, root, &k, &klen)) != ED_OK || !k)
            break;
        if (ed__yr_root_version_key(&r, k, klen, &st))
            continue;
        bool is_instance = klen == strlen(ED_YAML_KEY_INSTANCE) &&
                           memcmp(k, ED_YAML_KEY_INSTANCE, klen) == 0;
        if (!is_instance || inst)
            st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, r.ev.start_mark, root, "%s key `%s`",
                                 is_instance || (klen == strlen(ED_YAML_KEY_VERSION) &&
                                                 memcmp(k, ED_YAML_KEY_VERSION, klen) == 0)
                                     ? "duplicate"
                                     : "unknown",
                                 ED_SHOWN(k, klen, ED_SHOW_VALUE));
        else
            st = ed__yr_instance(&r, ED_YAML_KEY_INSTANCE, &inst);
    }
    if (st == ED_OK && !inst)
        st = ed__yr_fail_path(&r, ED_SCHEMA_ERROR, start, root, "missing key `instance`");
    if (st == ED_OK)
        st = ed__yr_finish(&r);
    ed__yr_close(&r);
    if (st != ED_OK) {
        ed_instance_free(inst);
        return st;
    }
    *out = inst;
    return ED_OK;
}
