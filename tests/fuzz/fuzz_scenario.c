/* Scenario loader plus simulate: whatever loads runs step by step from the
 * last accepted snapshot, as `edition simulate` does, with I1–I6 checked on
 * every step and every step document written. */
#include "invariants.h"

#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ed_scenario *sc = NULL;
    if (ed_scenario_load_yaml(&sc, (const char *)data, size, NULL, NULL) != ED_OK)
        return 0;
    ed_instance *current = ed_instance_ref(ed_scenario_instance(sc));
    ed_buffer *out = ed_buffer_new();
    if (out == NULL)
        abort();
    for (size_t i = 0; i < ed_scenario_step_count(sc); i++) {
        const ed_command *cmd = ed_scenario_step_command(sc, i);
        const char *violation = NULL;
        ed_result *r = inv_step(current, cmd, ed_scenario_step_at(sc, i), &violation);
        if (violation != NULL) {
            fprintf(stderr, "step %zu (%s): %s\n", i + 1,
                    ed_command_kind_name(ed_command_kind_of(cmd)), violation);
            abort();
        }
        if (ed_result_status(r) == ED_OK) {
            ed_instance *next = ed_instance_ref(ed_result_instance(r));
            ed_instance_free(current);
            current = next;
        }
        if (ed_step_dump_yaml(out, i + 1, ed_scenario_step_at(sc, i), cmd, r, current) != ED_OK)
            abort();
        ed_result_free(r);
    }
    ed_buffer_free(out);
    ed_instance_free(current);
    ed_scenario_free(sc);
    return 0;
}
