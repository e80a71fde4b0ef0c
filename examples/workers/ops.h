/* The operation table shared by workers.c and ops.c: function pointers in a struct field,
 * filled in another translation unit, called indirectly from threads. */
#ifndef WORKERS_OPS_H
#define WORKERS_OPS_H

struct op {
    const char *name;
    long (*run)(long arg);
};

extern const struct op op_table[];
extern const int op_count;

#endif
