/* Random command sequences read from the input bytes, over every command,
 * with I1–I6 checked after each step. Reaches deep lifecycle states far
 * faster than mutating YAML. Byte layout per step: command, time step,
 * argument, name choice. */
#include "invariants.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const names[] = {"orders", "payments", "GID_billing", "GID_audit", "x",
                                    "bad name", "GID-a", "refunds"};

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 2)
        return 0;
    ed_time now = 1767225600; /* 2026-01-01T00:00:00Z */
    ed_result *r = (data[0] & 1)
                       ? ed_create_enterprise_platinum("MQ_INST_fuzz", "http://fuzz:80", now,
                                                       1 + data[1] % 36, NULL)
                       : ed_create_standard("MQ_INST_fuzz", "http://fuzz:80", now, NULL);
    if (ed_result_status(r) != ED_OK)
        abort();
    ed_instance *current = ed_instance_ref(ed_result_instance(r));
    ed_result_free(r);

    for (size_t i = 2; i + 4 <= size; i += 4) {
        ed_command_kind kind = (ed_command_kind)(1 + data[i] % 12);
        /* mostly forward in time, by minutes to months; now and then back */
        static const int64_t steps[8] = {0, 60, 3600, 86400, 7 * 86400, 30 * 86400, 90 * 86400,
                                         -86400};
        now += steps[data[i + 1] % 8] * (1 + data[i + 1] / 8 % 4);
        ed_command *cmd = ed_command_new(kind);
        if (cmd == NULL)
            abort();
        uint8_t arg = data[i + 2];
        switch (kind) {
        case ED_CMD_UPGRADE:
        case ED_CMD_RENEW:
            ed_command_set_int(cmd, ED_ARG_PERIOD_MONTHS, arg % 40);
            break;
        case ED_CMD_SET_POST_EXPIRATION_ACTION:
            ed_command_set_int(cmd, ED_ARG_ACTION, arg % 3);
            break;
        case ED_CMD_REFUND:
            ed_command_set_int(cmd, ED_ARG_ALLOW_DATA_LOSS, arg & 1);
            break;
        case ED_CMD_PLAN_DOWNGRADE:
            ed_command_set_int(cmd, ED_ARG_MODE, arg % 3);
            break;
        case ED_CMD_ADD_TOPIC:
        case ED_CMD_REMOVE_TOPIC:
        case ED_CMD_ADD_GROUP:
        case ED_CMD_REMOVE_GROUP:
            ed_command_set_string(cmd, ED_ARG_NAME, names[data[i + 3] % 8]);
            break;
        default:
            break;
        }
        const char *violation = NULL;
        r = inv_step(current, cmd, now, &violation);
        if (violation != NULL) {
            fprintf(stderr, "step %zu (%s): %s: %s\n", (i - 2) / 4 + 1, ed_command_kind_name(kind),
                    violation, ed_result_message(r));
            abort();
        }
        if (ed_result_status(r) == ED_OK) {
            ed_instance *next = ed_instance_ref(ed_result_instance(r));
            ed_instance_free(current);
            current = next;
        }
        ed_result_free(r);
        ed_command_free(cmd);
    }
    ed_instance_free(current);
    return 0;
}
