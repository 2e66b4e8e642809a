/* postgres_none.c - built instead of postgres.c where libpq is missing. */
#include "store/store_int.h"

const struct store_ops *const store_pg_ops = NULL;
