/*
 * Compiler attributes the core uses.
 */
#ifndef ATTR_H
#define ATTR_H

/* A parameter a callback signature imposes and this callback ignores. */
#define UNUSED __attribute__((unused))

#endif
