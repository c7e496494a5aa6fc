/*
 * The shared memory budget for partial messages.
 */
#include "budget.h"

void
budget_init(struct budget *b, size_t max)
{
	b->max = max;
	b->used = 0;
	b->exempt = NULL;
	b->exempt_held = 0;
	b->changed = false;
}

static bool
over(const struct budget *b)
{
	return b->max > 0 && b->used >= b->max;
}

void
budget_add(struct budget *b, const void *who, size_t held, size_t n)
{
	b->used += n;
	if (b->exempt == who)
		b->exempt_held = held;
}

void
budget_release(struct budget *b, const void *who, size_t n)
{
	bool was_over = over(b);

	b->used -= n < b->used ? n : b->used;
	if (b->exempt == who) {
		b->exempt = NULL;
		b->exempt_held = 0;
		b->changed = true;
	}
	if (was_over && !over(b))
		b->changed = true;
}

bool
budget_blocks(struct budget *b, const void *who, size_t held)
{
	if (!over(b) || held == 0 || b->exempt == who)
		return false;
	if (b->exempt == NULL || held > b->exempt_held) {
		b->exempt = who; /* the old one, if any, now waits */
		b->exempt_held = held;
		return false;
	}
	return true;
}

bool
budget_waits(const struct budget *b, const void *who, size_t held)
{
	return over(b) && held > 0 && b->exempt != NULL && b->exempt != who;
}

bool
budget_changed(struct budget *b)
{
	bool changed = b->changed;

	b->changed = false;
	return changed;
}
