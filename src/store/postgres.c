/* placeholder until the backend lands */
#include "store/store_int.h"

const struct store_ops *const store_pg_ops = NULL;
