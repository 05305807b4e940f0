/* Whatever loads, dumps and loads back equal, and dumps the same bytes
 * the second time; its JSON dump loads back equal too. */
#include <libedition.h>

#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ed_instance *first = NULL, *second = NULL;
    if (ed_instance_load_yaml(&first, (const char *)data, size, NULL, NULL) != ED_OK)
        return 0;
    ed_buffer *a = ed_buffer_new(), *b = ed_buffer_new();
    if (a == NULL || b == NULL || ed_instance_dump_yaml(first, a) != ED_OK)
        abort();
    ed_error *err = NULL;
    if (ed_instance_load_yaml(&second, ed_buffer_data(a), ed_buffer_len(a), NULL, &err) != ED_OK)
        abort();
    if (!ed_instance_equal(first, second))
        abort();
    if (ed_instance_dump_yaml(second, b) != ED_OK || ed_buffer_len(a) != ed_buffer_len(b) ||
        memcmp(ed_buffer_data(a), ed_buffer_data(b), ed_buffer_len(a)) != 0)
        abort();
    ed_instance *third = NULL;
    ed_buffer_clear(a);
    if (ed_instance_dump_json(first, a) != ED_OK ||
        ed_instance_load_yaml(&third, ed_buffer_data(a), ed_buffer_len(a), NULL, NULL) != ED_OK ||
        !ed_instance_equal(first, third))
        abort();
    ed_buffer_free(a);
    ed_buffer_free(b);
    ed_instance_free(first);
    ed_instance_free(second);
    ed_instance_free(third);
    return 0;
}
