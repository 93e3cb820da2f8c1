/*
 * invariant.h - ASSERT(cond): a checked invariant, on in every build the
 * tests run (plain and ASan+UBSan alike), as in SQLite: dense, cheap
 * checks of what the code relies on, so a broken assumption stops the
 * process at the line that assumed it instead of corrupting memory or a
 * case later. A failure logs the condition, file, line and function on
 * stderr and aborts (a service is restarted; its durable state is in the
 * ledger). Only a build with -DLIANDONG_NO_INVARIANTS compiles them out;
 * the condition must therefore have no side effect.
 */
#ifndef LIANDONG_INVARIANT_H
#define LIANDONG_INVARIANT_H

_Noreturn void invariant_failed(const char *cond, const char *file, int line, const char *func);

#ifdef LIANDONG_NO_INVARIANTS
#define ASSERT(cond) ((void)0)
#else
#define ASSERT(cond) ((cond) ? (void)0 : invariant_failed(#cond, __FILE__, __LINE__, __func__))
#endif

#endif
