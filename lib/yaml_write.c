/* The writers of state files, effects documents, simulate steps and
 * command outcomes, into a caller-owned ed_buffer, in two syntaxes: YAML
 * through libyaml's emitter, and JSON (RFC 8259) written here.
 *
 * One document model serves both: the w_* functions below describe a
 * document as maps, sequences and typed scalars, and the writer turns them
 * into libyaml events or into JSON tokens. So the two syntaxes cannot
 * drift apart: same fields, same key order. JSON is not asked of libyaml,
 * whose escapes (`\e`, `\N`, `\_`) are not JSON.
 *
 * Every writer either appends a whole document or leaves the buffer as it
 * found it. In YAML, libyaml chooses each scalar's style; strings that a
 * plain scalar would turn into something else (yes, 123, null, a date) are
 * marked so that libyaml quotes them, by the rule the reader applies. In
 * JSON every string is quoted and numbers, booleans and null are not, so
 * the reader, which takes quoted words and plain numbers, reads it back. */
#include "yaml_internal.h"

#include <inttypes.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* An open JSON map or sequence. */
typedef struct json_level {
    bool is_map;
    bool has_items;  /* a separator goes before the next item */
    bool want_value; /* in a map: a key was written, its value is next */
} json_level;

/* Deeper than any document written here (formats.md caps input at 16). */
#define JSON_MAX_DEPTH ED_YAML_MAX_DEPTH

typedef struct writer {
    bool json;
    yaml_emitter_t em;
    bool ready;       /* emitter initialized */
    ed_buffer *buf;
    size_t start_len; /* buffer length to restore on failure */
    ed_status status; /* first failure, sticky */
    ed_write_fn sink; /* streaming: buf is handed to it in pieces */
    void *sink_ctx;
    unsigned depth;   /* JSON: open levels */
    json_level level[JSON_MAX_DEPTH];
    bool bare;        /* JSON: a value for the caller's document, no line end */
} writer;

/* How a scalar is written: text (quoted when a plain YAML scalar would not
 * read back as a string, always quoted in JSON), a word that is plain in
 * YAML (keys, enum names, times; quoted in JSON), or a JSON literal (a
 * number, true, false, null: unquoted in both). */
typedef enum scalar_kind { SCALAR_TEXT, SCALAR_WORD, SCALAR_LITERAL } scalar_kind;

/* ---- JSON tokens ---------------------------------------------------------- */

/* Streaming: a piece this large goes to the sink, so that a document of
 * any length needs this much memory. */
#define SINK_PIECE 65536

static void w_drain(writer *w, size_t at_least)
{
    if (w->sink == NULL || w->status != ED_OK || w->buf->len < at_least || w->buf->len == 0)
        return;
    if (!w->sink(w->sink_ctx, w->buf->data, w->buf->len))
        w->status = ED_IO_ERROR;
    w->buf->len = 0;
}

static void j_put(writer *w, const char *s, size_t len)
{
    if (w->status == ED_OK)
        w->status = ed__buffer_append(w->buf, s, len);
    w_drain(w, SINK_PIECE);
}

/* The separator an item needs in its container: `,` between items, `:`
 * between a key and its value. */
static void j_separate(writer *w)
{
    if (w->depth == 0)
        return;
    json_level *l = &w->level[w->depth - 1];
    if (l->is_map && l->want_value) {
        l->want_value = false;
        j_put(w, ":", 1);
        return;
    }
    if (l->has_items)
        j_put(w, ",", 1);
    l->has_items = true;
    l->want_value = l->is_map;
}

/* A JSON string: `"` and `\` escaped, control characters as their short
 * escape or \u00XX (RFC 8259, section 7); all else, UTF-8 included, as is. */
static void j_string(writer *w, const char *s, size_t len)
{
    static const char hex[] = "0123456789abcdef";
    j_put(w, "\"", 1);
    size_t run = 0; /* start of the bytes not yet written */
    for (size_t i = 0; i < len && w->status == ED_OK; i++) {
        unsigned char c = (unsigned char)s[i];
        char esc[6] = {'\\', 0, 0, 0, 0, 0};
        size_t n = 2;
        switch (c) {
        case '"':
        case '\\':
            esc[1] = (char)c;
            break;
        case '\b':
            esc[1] = 'b';
            break;
        case '\f':
            esc[1] = 'f';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            if (c >= 0x20)
                continue;
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 0xF];
            n = 6;
            break;
        }
        j_put(w, s + run, i - run);
        j_put(w, esc, n);
        run = i + 1;
    }
    j_put(w, s + run, len - run);
    j_put(w, "\"", 1);
}

static void j_open(writer *w, bool is_map)
{
    j_separate(w);
    if (w->status != ED_OK)
        return;
    if (w->depth == JSON_MAX_DEPTH) {
        w->status = ED_INVALID_ARGUMENT;
        return;
    }
    w->level[w->depth++] = (json_level){is_map, false, false};
    j_put(w, is_map ? "{" : "[", 1);
}

static void j_close(writer *w, bool is_map)
{
    if (w->status != ED_OK)
        return;
    if (w->depth == 0 || w->level[w->depth - 1].is_map != is_map) {
        w->status = ED_INVALID_ARGUMENT;
        return;
    }
    w->depth--;
    j_put(w, is_map ? "}" : "]", 1);
}

/* ---- libyaml events --------------------------------------------------------- */

static int write_handler(void *data, unsigned char *bytes, size_t size)
{
    writer *w = data;
    ed_status st = ed__buffer_append(w->buf, (const char *)bytes, size);
    if (st != ED_OK) {
        w->status = st;
        return 0;
    }
    w_drain(w, SINK_PIECE);
    return w->status == ED_OK;
}

/* Records a failed libyaml call; `made` is false when the event could not
 * even be built (libyaml only fails that way for lack of memory). */
static void emit(writer *w, yaml_event_t *ev, bool made)
{
    if (w->status != ED_OK) {
        if (made)
            yaml_event_delete(ev);
        return;
    }
    if (!made) {
        w->status = ED_NO_MEMORY;
        return;
    }
    /* The emitter owns the event from here, success or not. */
    if (!yaml_emitter_emit(&w->em, ev) && w->status == ED_OK)
        w->status = w->em.error == YAML_EMITTER_ERROR ? ED_INVALID_ARGUMENT : ED_NO_MEMORY;
}

/* ---- text that is not UTF-8 ------------------------------------------------- */

/* Length of the well-formed UTF-8 sequence at the start of the `left`
 * bytes at s; 0 when there is none. ASCII, nearly every byte written, is
 * answered here without the call. */
static size_t utf8_length(const unsigned char *s, size_t left)
{
    uint32_t cp;
    return s[0] < 0x80 ? 1 : ed__utf8_next(s, left, &cp);
}

static bool utf8_valid(const char *s, size_t len)
{
    for (size_t i = 0, n; i < len; i += n)
        if ((n = utf8_length((const unsigned char *)s + i, len - i)) == 0)
            return false;
    return true;
}

/* A copy of `s` with U+FFFD in place of each byte that starts no UTF-8
 * sequence. Free text can carry a host's bytes (a refused topic name is
 * echoed in the message); libyaml refuses such text and JSON must be
 * UTF-8, so the writers replace them rather than fail to report. */
static char *utf8_repaired(const char *s, size_t len, size_t *out_len)
{
    if (len > (SIZE_MAX - 1) / 3)
        return NULL;
    char *out = ed__calloc(len * 3 + 1, 1);
    if (!out)
        return NULL;
    size_t o = 0;
    for (size_t i = 0, n; i < len; i += n) {
        n = utf8_length((const unsigned char *)s + i, len - i);
        if (n == 0) {
            static const char replacement[3] = {'\xEF', '\xBF', '\xBD'}; /* U+FFFD */
            memcpy(out + o, replacement, sizeof replacement);
            o += 3;
            n = 1;
        } else {
            memcpy(out + o, s + i, n);
            o += n;
        }
    }
    *out_len = o;
    return out;
}

/* ---- the document model ------------------------------------------------------ */

/* Writes a scalar whose text is UTF-8. */
static void w_scalar_valid(writer *w, const char *s, size_t len, scalar_kind kind)
{
    if (w->json) {
        j_separate(w);
        if (kind == SCALAR_LITERAL)
            j_put(w, s, len);
        else
            j_string(w, s, len);
        return;
    }
    bool plain_ok = kind != SCALAR_TEXT || !ed__yaml_plain_not_string(s, len);
    yaml_event_t ev;
    bool made = yaml_scalar_event_initialize(&ev, NULL, NULL, (yaml_char_t *)s, (int)len,
                                             plain_ok, 1, YAML_ANY_SCALAR_STYLE) != 0;
    emit(w, &ev, made);
}

static void w_scalar(writer *w, const char *s, size_t len, scalar_kind kind)
{
    if (w->status != ED_OK || utf8_valid(s, len)) {
        w_scalar_valid(w, s, len, kind);
        return;
    }
    size_t fixed_len = 0;
    char *fixed = utf8_repaired(s, len, &fixed_len);
    if (!fixed) {
        w->status = ED_NO_MEMORY;
        return;
    }
    w_scalar_valid(w, fixed, fixed_len, kind);
    ed__free(fixed);
}

/* A word that is plain by construction: keys, enum names, times. */
static void w_word(writer *w, const char *s)
{
    w_scalar(w, s, strlen(s), SCALAR_WORD);
}

/* Free text: quoted when a plain scalar would not read back as a string. */
static void w_str(writer *w, const char *s)
{
    w_scalar(w, s, strlen(s), SCALAR_TEXT);
}

static void w_bool(writer *w, bool v)
{
    w_scalar(w, v ? "true" : "false", v ? 4 : 5, SCALAR_LITERAL);
}

static void w_null(writer *w)
{
    w_scalar(w, "null", 4, SCALAR_LITERAL);
}

static void w_time(writer *w, ed_time t)
{
    char text[ED_TIME_BUFSIZE];
    if (w->status == ED_OK && ed_time_format(t, text, sizeof text) != ED_OK)
        w->status = ED_INVALID_ARGUMENT;
    if (w->status == ED_OK)
        w_word(w, text);
}

static void w_u64(writer *w, uint64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRIu64, v);
    w_scalar(w, text, (size_t)n, SCALAR_LITERAL);
}

static void w_i64(writer *w, int64_t v)
{
    char text[24];
    int n = snprintf(text, sizeof text, "%" PRId64, v);
    w_scalar(w, text, (size_t)n, SCALAR_LITERAL);
}

/* `flow` picks YAML's `{a: 1}` over block style; JSON is all flow. */
static void w_map(writer *w, bool flow)
{
    if (w->json) {
        j_open(w, true);
        return;
    }
    yaml_event_t ev;
    bool made = yaml_mapping_start_event_initialize(
                    &ev, NULL, NULL, 1, flow ? YAML_FLOW_MAPPING_STYLE : YAML_BLOCK_MAPPING_STYLE) != 0;
    emit(w, &ev, made);
}

static void w_map_end(writer *w)
{
    if (w->json) {
        j_close(w, true);
        return;
    }
    yaml_event_t ev;
    bool made = yaml_mapping_end_event_initialize(&ev) != 0;
    emit(w, &ev, made);
}

static void w_seq(writer *w, bool flow)
{
    if (w->json) {
        j_open(w, false);
        return;
    }
    yaml_event_t ev;
    bool made = yaml_sequence_start_event_initialize(
                    &ev, NULL, NULL, 1,
                    flow ? YAML_FLOW_SEQUENCE_STYLE : YAML_BLOCK_SEQUENCE_STYLE) != 0;
    emit(w, &ev, made);
}

static void w_seq_end(writer *w)
{
    if (w->json) {
        j_close(w, false);
        return;
    }
    yaml_event_t ev;
    bool made = yaml_sequence_end_event_initialize(&ev) != 0;
    emit(w, &ev, made);
}

/* Starts one document: in YAML a stream and a document (`explicit_start`
 * writes `---`); in JSON nothing yet. */
static void w_open(writer *w, ed_buffer *buf, bool json, bool explicit_start)
{
    memset(w, 0, sizeof *w);
    w->json = json;
    w->buf = buf;
    w->start_len = buf->len;
    if (json)
        return;
    if (!yaml_emitter_initialize(&w->em)) {
        w->status = ED_NO_MEMORY;
        return;
    }
    w->ready = true;
    yaml_emitter_set_output(&w->em, write_handler, w);
    yaml_emitter_set_encoding(&w->em, YAML_UTF8_ENCODING);
    yaml_emitter_set_unicode(&w->em, 1);
    yaml_emitter_set_width(&w->em, -1);
    yaml_emitter_set_indent(&w->em, 2);
    yaml_emitter_set_break(&w->em, YAML_LN_BREAK);
    yaml_event_t ev;
    bool made = yaml_stream_start_event_initialize(&ev, YAML_UTF8_ENCODING) != 0;
    emit(w, &ev, made);
    made = yaml_document_start_event_initialize(&ev, NULL, NULL, NULL, !explicit_start) != 0;
    emit(w, &ev, made);
}

/* Ends the document (in JSON: one line, so documents make JSON Lines,
 * unless it is a bare value); on failure restores the buffer. */
static ed_status w_close(writer *w)
{
    if (w->json) {
        if (w->status == ED_OK && w->depth != 0)
            w->status = ED_INVALID_ARGUMENT; /* a writer left a level open */
        if (!w->bare)
            j_put(w, "\n", 1);
    } else {
        yaml_event_t ev;
        bool made = yaml_document_end_event_initialize(&ev, 1) != 0;
        emit(w, &ev, made);
        made = yaml_stream_end_event_initialize(&ev) != 0;
        emit(w, &ev, made);
        if (w->status == ED_OK && !yaml_emitter_flush(&w->em))
            w->status = ED_NO_MEMORY;
        if (w->ready)
            yaml_emitter_delete(&w->em);
    }
    w_drain(w, 0);
    if (w->status != ED_OK && w->buf->data) {
        w->buf->len = w->start_len;
        w->buf->data[w->start_len] = '\0';
    }
    return w->status;
}

/* ---- state files -------------------------------------------------------- */

static void w_key(writer *w, ed_ikey key)
{
    w_word(w, ed__yaml_instance_keys[key]);
}

static void w_names(writer *w, const ed_names *names)
{
    w_seq(w, true);
    ed_names_iter it;
    ed__names_iter_init(&it, names);
    for (const char *s; w->status == ED_OK && (s = ed__names_iter_next(&it)) != NULL;)
        w_str(w, s);
    w_seq_end(w);
}

static void w_instance(writer *w, const ed_instance *inst)
{
    w_map(w, false);
    w_key(w, ED_IK_ID);
    w_str(w, inst->ident->id);
    w_key(w, ED_IK_ENDPOINT);
    w_str(w, inst->ident->endpoint);
    if (inst->ident->region) {
        w_key(w, ED_IK_REGION);
        w_str(w, inst->ident->region);
    }
    w_key(w, ED_IK_EDITION);
    w_word(w, ed_edition_name(inst->edition));
    w_key(w, ED_IK_BILLING);
    w_word(w, ed_billing_name(ed_instance_billing(inst)));
    w_key(w, ED_IK_CLUSTER);
    w_word(w, ed_cluster_name(ed_instance_cluster(inst)));
    w_key(w, ED_IK_LIFECYCLE);
    w_word(w, ed_lifecycle_name(inst->lifecycle));
    w_key(w, ED_IK_REVISION);
    w_u64(w, inst->revision);
    w_key(w, ED_IK_CREATED_AT);
    w_time(w, inst->created_at);
    w_key(w, ED_IK_UPDATED_AT);
    w_time(w, inst->updated_at);
    w_key(w, ED_IK_RELEASE_DELAY_DAYS);
    w_i64(w, inst->release_delay_days);
    if (inst->has_release_at) {
        w_key(w, ED_IK_RELEASE_AT);
        w_time(w, inst->release_at);
    }
    if (inst->has_subscription) {
        w_key(w, ED_IK_SUBSCRIPTION);
        w_map(w, false);
        w_word(w, ed__yaml_subscription_keys[ED_SK_STARTED_AT]);
        w_time(w, inst->started_at);
        w_word(w, ed__yaml_subscription_keys[ED_SK_EXPIRES_AT]);
        w_time(w, inst->expires_at);
        w_word(w, ed__yaml_subscription_keys[ED_SK_PERIOD_MONTHS]);
        w_i64(w, inst->period_months);
        w_word(w, ed__yaml_subscription_keys[ED_SK_POST_EXPIRATION_ACTION]);
        w_word(w, ed_action_name(inst->action));
        w_map_end(w);
    }
    if (inst->has_migration) {
        w_key(w, ED_IK_MIGRATION);
        w_map(w, false);
        w_word(w, ed__yaml_migration_keys[ED_MK_FROM]);
        w_word(w, ed_cluster_name(inst->migration_from));
        w_word(w, ed__yaml_migration_keys[ED_MK_TO]);
        w_word(w, ed_cluster_name(inst->migration_to));
        w_word(w, ed__yaml_migration_keys[ED_MK_STARTED_AT]);
        w_time(w, inst->migration_started_at);
        w_map_end(w);
    }
    w_key(w, ED_IK_TOPICS);
    w_names(w, inst->topics);
    w_key(w, ED_IK_GROUPS);
    w_names(w, inst->groups);
    w_map_end(w);
}

static void w_version(writer *w)
{
    w_word(w, ED_YAML_KEY_VERSION);
    w_i64(w, ED_YAML_FORMAT_VERSION);
}

static ed_status dump_instance(const ed_instance *inst, ed_buffer *buf, bool json)
{
    if (!inst || !buf)
        return ED_INVALID_ARGUMENT;
    writer w;
    w_open(&w, buf, json, false);
    w_map(&w, false);
    w_version(&w);
    w_word(&w, ED_YAML_KEY_INSTANCE);
    w_instance(&w, inst);
    w_map_end(&w);
    return w_close(&w);
}

ed_status ed_instance_dump_yaml(const ed_instance *inst, ed_buffer *buf)
{
    return dump_instance(inst, buf, false);
}

ed_status ed_instance_dump_json(const ed_instance *inst, ed_buffer *buf)
{
    return dump_instance(inst, buf, true);
}

/* ---- effects ------------------------------------------------------------ */

static void w_effect(writer *w, const ed_effect *e)
{
    if (ed_effect_kind_name(ed_effect_kind_of(e)) == NULL) {
        /* only a bug inside the library makes such an effect */
        if (w->status == ED_OK)
            w->status = ED_INVALID_ARGUMENT;
        return;
    }
    /* written into buffers here rather than built for the whole list: a
     * dump needs no memory beyond its document */
    char key[ED_EFFECT_KEY_MAX], text[ED_EFFECT_TEXT_MAX];
    w_map(w, false);
    w_word(w, "key");
    w_str(w, ed__effect_key_into(e, key));
    w_word(w, "kind");
    w_word(w, ed_effect_kind_name(ed_effect_kind_of(e)));
    w_word(w, "subject");
    w_map(w, true);
    w_word(w, ed_subject_kind_name(ed_effect_subject_kind(e)));
    w_str(w, ed_effect_subject(e));
    w_map_end(w);
    for (int f = ED_FIELD_FIRST; f <= ED_FIELD_LAST; f++) {
        ed_field field = (ed_field)f;
        if (!ed_effect_has(e, field))
            continue;
        w_word(w, ed_field_name(field));
        ed_time t = 0;
        int64_t v = 0;
        switch (ed_field_type_of(field)) {
        case ED_FIELD_TYPE_STRING: {
            const char *s = ed_effect_string(e, field);
            w_str(w, s ? s : "");
            break;
        }
        case ED_FIELD_TYPE_TIME:
            ed_effect_time(e, field, &t);
            w_time(w, t);
            break;
        case ED_FIELD_TYPE_INT:
            ed_effect_int(e, field, &v);
            w_i64(w, v);
            break;
        case ED_FIELD_TYPE_BOOL:
            ed_effect_int(e, field, &v);
            w_bool(w, v != 0);
            break;
        }
    }
    w_word(w, "flags");
    w_seq(w, true);
    unsigned flags = ed_effect_flags(e);
    for (unsigned bit = 1; bit != 0; bit <<= 1) {
        const char *name = (flags & bit) ? ed_effect_flag_name((ed_effect_flag)bit) : NULL;
        if (name)
            w_word(w, name);
    }
    w_seq_end(w);
    w_word(w, "text");
    w_str(w, ed__effect_text_into(e, text));
    w_map_end(w);
}

/* A list in block style, or `[]` when empty. */
static void w_effects(writer *w, const ed_effect_list *list)
{
    size_t n = ed_effect_list_count(list);
    w_seq(w, n == 0);
    for (size_t i = 0; i < n && w->status == ED_OK; i++)
        w_effect(w, ed_effect_list_get(list, i));
    w_seq_end(w);
}

static ed_status dump_effects(const ed_effect_list *list, ed_buffer *buf, bool json)
{
    if (!list || !buf)
        return ED_INVALID_ARGUMENT;
    writer w;
    w_open(&w, buf, json, false);
    w_map(&w, false);
    w_version(&w);
    w_word(&w, "effects");
    w_effects(&w, list);
    w_map_end(&w);
    return w_close(&w);
}

ed_status ed_effects_dump_yaml(const ed_effect_list *list, ed_buffer *buf)
{
    return dump_effects(list, buf, false);
}

ed_status ed_effects_dump_json(const ed_effect_list *list, ed_buffer *buf)
{
    return dump_effects(list, buf, true);
}

/* One effect as the object w_effects writes for it inside its list: the
 * same w_effect, so a host that stores effects one by one stores the bytes
 * of the list's document. */
ed_status ed_effect_dump_json(const ed_effect *e, ed_buffer *buf)
{
    if (!e || !buf)
        return ED_INVALID_ARGUMENT;
    writer w;
    w_open(&w, buf, true, false);
    w.bare = true;
    w_effect(&w, e);
    return w_close(&w);
}

/* ---- simulate steps ----------------------------------------------------- */

static void w_state_summary(writer *w, const ed_instance *inst)
{
    w_map(w, false);
    w_key(w, ED_IK_EDITION);
    w_word(w, ed_edition_name(ed_instance_edition(inst)));
    w_key(w, ED_IK_BILLING);
    w_word(w, ed_billing_name(ed_instance_billing(inst)));
    w_key(w, ED_IK_CLUSTER);
    w_word(w, ed_cluster_name(ed_instance_cluster(inst)));
    w_key(w, ED_IK_LIFECYCLE);
    w_word(w, ed_lifecycle_name(ed_instance_lifecycle(inst)));
    w_key(w, ED_IK_REVISION);
    w_u64(w, ed_instance_revision(inst));
    ed_time expires_at;
    ed_action action;
    if (ed_instance_subscription(inst, NULL, &expires_at, NULL, &action)) {
        w_word(w, ed__yaml_subscription_keys[ED_SK_EXPIRES_AT]);
        w_time(w, expires_at);
        w_word(w, ed__yaml_subscription_keys[ED_SK_POST_EXPIRATION_ACTION]);
        w_word(w, ed_action_name(action));
    }
    ed_time release_at;
    if (ed_instance_release_at(inst, &release_at)) {
        w_key(w, ED_IK_RELEASE_AT);
        w_time(w, release_at);
    }
    ed_cluster from, to;
    if (ed_instance_migration(inst, &from, &to, NULL)) {
        w_key(w, ED_IK_MIGRATION);
        w_map(w, true);
        w_word(w, ed__yaml_migration_keys[ED_MK_FROM]);
        w_word(w, ed_cluster_name(from));
        w_word(w, ed__yaml_migration_keys[ED_MK_TO]);
        w_word(w, ed_cluster_name(to));
        w_map_end(w);
    }
    w_key(w, ED_IK_TOPICS);
    w_u64(w, ed_instance_topic_count(inst));
    w_key(w, ED_IK_GROUPS);
    w_u64(w, ed_instance_group_count(inst));
    w_map_end(w);
}

static void w_plan(writer *w, const ed_result *r)
{
    size_t n = ed_result_plan_count(r);
    w_seq(w, n == 0);
    for (size_t i = 0; i < n; i++) {
        /* Block mappings: in flow style libyaml would quote the times. */
        w_map(w, false);
        w_word(w, "command");
        w_word(w, ed_command_kind_name(ed_result_plan_command(r, i)));
        ed_action action;
        if (ed_result_plan_action(r, i, &action)) {
            w_word(w, ed_arg_name(ED_ARG_ACTION));
            w_word(w, ed_action_name(action));
        }
        ed_time at;
        if (ed_result_plan_at(r, i, &at)) {
            w_word(w, "at");
            w_time(w, at);
        }
        w_map_end(w);
    }
    w_seq_end(w);
}

/* status, and the message of a refusal */
static void w_status(writer *w, const ed_result *r)
{
    ed_status status = ed_result_status(r);
    w_word(w, "status");
    w_word(w, ed_status_name(status));
    if (status != ED_OK) {
        w_word(w, "message");
        w_str(w, ed_result_message(r));
    }
}

/* effects, would_have (data_loss_refused), plan (plan_downgrade), and the
 * next deadline of the snapshot the command leaves current */
static void w_outcome(writer *w, const ed_command *cmd, const ed_result *r,
                      const ed_instance *current)
{
    ed_status status = ed_result_status(r);
    w_word(w, "effects");
    w_effects(w, ed_result_effects(r));
    if (status == ED_DATA_LOSS_REFUSED) {
        w_word(w, "would_have");
        w_effects(w, ed_result_would_have(r));
    }
    if (status == ED_OK && ed_command_kind_of(cmd) == ED_CMD_PLAN_DOWNGRADE) {
        w_word(w, "plan");
        w_plan(w, r);
    }
    w_word(w, "next_deadline");
    ed_time deadline;
    if (ed_instance_next_deadline(current, &deadline))
        w_time(w, deadline);
    else
        w_null(w);
}

static void w_arguments(writer *w, const ed_command *cmd);

static ed_status dump_step(ed_buffer *buf, bool json, size_t step, ed_time at,
                           const ed_command *cmd, const ed_result *r, const ed_instance *current)
{
    if (!buf || !cmd || !r || !current || !ed__time_valid(at))
        return ED_INVALID_ARGUMENT;
    writer w;
    w_open(&w, buf, json, true);
    w_map(&w, false);
    w_word(&w, "step");
    w_u64(&w, step);
    w_word(&w, "at");
    w_time(&w, at);
    w_word(&w, "command");
    w_word(&w, ed_command_kind_name(ed_command_kind_of(cmd)));
    w_arguments(&w, cmd);
    w_status(&w, r);
    w_word(&w, "state");
    w_state_summary(&w, current);
    w_outcome(&w, cmd, r, current);
    w_map_end(&w);
    return w_close(&w);
}

ed_status ed_step_dump_yaml(ed_buffer *buf, size_t step, ed_time at, const ed_command *cmd,
                            const ed_result *r, const ed_instance *current)
{
    return dump_step(buf, false, step, at, cmd, r, current);
}

ed_status ed_step_dump_json(ed_buffer *buf, size_t step, ed_time at, const ed_command *cmd,
                            const ed_result *r, const ed_instance *current)
{
    return dump_step(buf, true, step, at, cmd, r, current);
}

/* ---- one command's outcome (edition plan / apply) ------------------------- */

/* The arguments the command was given, in ed_arg order. */
static void w_arguments(writer *w, const ed_command *cmd)
{
    ed_command_kind kind = ed_command_kind_of(cmd);
    for (ed_arg arg = ED_ARG_PERIOD_MONTHS; arg <= ED_YAML_ARG_LAST; arg++) {
        int64_t v = 0;
        if (!ed_command_kind_takes(kind, arg))
            continue;
        if (arg == ED_ARG_NAME) {
            const char *name = ed_command_get_string(cmd, arg);
            if (name != NULL) {
                w_word(w, ed_arg_name(arg));
                w_str(w, name);
            }
            continue;
        }
        if (!ed_command_get_int(cmd, arg, &v))
            continue;
        /* an action or mode that names no value (ed_command_set_int checks
         * none) is an out-of-range argument: ED_INVALID_ARGUMENT, the
         * buffer as it was (libedition.h, "Errors") */
        if ((arg == ED_ARG_ACTION &&
             (v < 0 || v > INT_MAX || ed_action_name((ed_action)v) == NULL)) ||
            (arg == ED_ARG_MODE &&
             (v < 0 || v > INT_MAX || ed_plan_mode_name((ed_plan_mode)v) == NULL))) {
            if (w->status == ED_OK)
                w->status = ED_INVALID_ARGUMENT;
            return;
        }
        w_word(w, ed_arg_name(arg));
        if (arg == ED_ARG_ACTION)
            w_word(w, ed_action_name((ed_action)v));
        else if (arg == ED_ARG_MODE)
            w_word(w, ed_plan_mode_name((ed_plan_mode)v));
        else if (arg == ED_ARG_ALLOW_DATA_LOSS)
            w_bool(w, v != 0);
        else
            w_i64(w, v);
    }
}

/* The document of one command, after w_open; closes the writer. */
static ed_status dump_result_body(writer *w, const ed_command *cmd, ed_time now,
                                  const ed_result *r, const ed_instance *current)
{
    w_map(w, false);
    w_version(w);
    w_word(w, "command");
    w_word(w, ed_command_kind_name(ed_command_kind_of(cmd)));
    w_arguments(w, cmd);
    w_word(w, "at");
    w_time(w, now);
    w_status(w, r);
    w_word(w, ED_YAML_KEY_INSTANCE);
    w_instance(w, current);
    w_outcome(w, cmd, r, current);
    w_map_end(w);
    return w_close(w);
}

static ed_status dump_result(ed_buffer *buf, bool json, const ed_command *cmd, ed_time now,
                             const ed_result *r, const ed_instance *current)
{
    if (!buf || !cmd || !r || !current || !ed__time_valid(now))
        return ED_INVALID_ARGUMENT;
    writer w;
    w_open(&w, buf, json, false);
    return dump_result_body(&w, cmd, now, r, current);
}

/* The same document handed to `write` in pieces as it is written: the
 * writer's buffer never holds more than about one piece. */
static ed_status write_result(ed_write_fn write, void *ctx, bool json, const ed_command *cmd,
                              ed_time now, const ed_result *r, const ed_instance *current)
{
    if (!write || !cmd || !r || !current || !ed__time_valid(now))
        return ED_INVALID_ARGUMENT;
    ed_buffer piece = {NULL, 0, 0};
    writer w;
    w_open(&w, &piece, json, false);
    /* w_open wrote the stream start into the piece before the sink was
     * set; it goes out with the first piece */
    w.sink = write;
    w.sink_ctx = ctx;
    ed_status st = dump_result_body(&w, cmd, now, r, current);
    ed__free(piece.data);
    return st;
}

ed_status ed_result_write_yaml(ed_write_fn write, void *ctx, const ed_command *cmd, ed_time now,
                               const ed_result *r, const ed_instance *current)
{
    return write_result(write, ctx, false, cmd, now, r, current);
}

ed_status ed_result_write_json(ed_write_fn write, void *ctx, const ed_command *cmd, ed_time now,
                               const ed_result *r, const ed_instance *current)
{
    return write_result(write, ctx, true, cmd, now, r, current);
}

ed_status ed_result_dump_yaml(ed_buffer *buf, const ed_command *cmd, ed_time now,
                              const ed_result *r, const ed_instance *current)
{
    return dump_result(buf, false, cmd, now, r, current);
}

ed_status ed_result_dump_json(ed_buffer *buf, const ed_command *cmd, ed_time now,
                              const ed_result *r, const ed_instance *current)
{
    return dump_result(buf, true, cmd, now, r, current);
}
