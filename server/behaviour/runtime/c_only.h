/* The C part of the behaviour-check runtime (after core.h). */
#if (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L) || defined(__clang__) \
    || (defined(__GNUC__) && (__GNUC__ > 4 || (__GNUC__ == 4 && __GNUC_MINOR__ >= 9)))
#define LESSONL_EQ(lessonl_x) (__extension__ _Generic((lessonl_x), \
    float: lessonl_eq_f, double: lessonl_eq_d, long double: lessonl_eq_ld, \
    char: lessonl_eq_c, signed char: lessonl_eq_sc, unsigned char: lessonl_eq_uc, \
    short: lessonl_eq_s, unsigned short: lessonl_eq_us, int: lessonl_eq_i, unsigned int: lessonl_eq_u, \
    long: lessonl_eq_l, unsigned long: lessonl_eq_ul, long long: lessonl_eq_ll, unsigned long long: lessonl_eq_ull, \
    _Bool: lessonl_eq_uc, default: lessonl_eq_unknown))
#else
#define LESSONL_EQ(lessonl_x) lessonl_eq_unknown
#endif

#if defined(__STDC_VERSION__) && __STDC_VERSION__ >= 201112L
#define LESSONL_THREAD_LOCAL _Thread_local
#else
#define LESSONL_THREAD_LOCAL __thread
#endif

/* The copies of one call (for the original, and snapshots of read-only inputs) share one block:
   several large blocks alive at once make glibc hand memory back and fault it in again on every
   call. lessonl_room is what one copy needs of it, lessonl_carve makes it (NULL: nothing to copy,
   or no block). */
LESSONL_FN unsigned long lessonl_room(const void *lessonl_p, long long lessonl_n, unsigned long lessonl_size) {
  return lessonl_p && lessonl_n > 0 ? ((unsigned long)lessonl_n * lessonl_size + 63UL) & ~63UL : 0;
}
LESSONL_FN void *lessonl_carve(char *lessonl_block, unsigned long *lessonl_at, const void *lessonl_p, long long lessonl_n,
                               unsigned long lessonl_size) {
  unsigned long lessonl_bytes = lessonl_room(lessonl_p, lessonl_n, lessonl_size);
  void *lessonl_c;
  if (!lessonl_block || !lessonl_bytes) return (void *)0;
  lessonl_c = lessonl_block + *lessonl_at;
  *lessonl_at += lessonl_bytes;
  memcpy(lessonl_c, lessonl_p, (unsigned long)lessonl_n * lessonl_size);
  return lessonl_c;
}

/* A copy of n elements for the original (NULL when there is nothing to copy). */
LESSONL_FN void *lessonl_dup(const void *lessonl_p, long long lessonl_n, unsigned long lessonl_size) {
  void *lessonl_c;
  if (!lessonl_p || lessonl_n <= 0) return (void *)0;
  lessonl_c = malloc((unsigned long)lessonl_n * lessonl_size);
  if (lessonl_c) memcpy(lessonl_c, lessonl_p, (unsigned long)lessonl_n * lessonl_size);
  return lessonl_c;
}

/* A read-only input after both versions ran, against its snapshot from before (the original
   leaves it unchanged, so its value is the snapshot's). One LessonL cannot compare is left alone. */
LESSONL_FN void lessonl_unchanged(struct lessonl_diff *lessonl_d, const void *lessonl_snap, const void *lessonl_p,
                                  long long lessonl_n, unsigned long lessonl_size, lessonl_eq_fn lessonl_eq, int lessonl_bit,
                                  const char *lessonl_what) {
  int lessonl_equal;
  if (lessonl_d->found || !lessonl_snap || !memcmp(lessonl_snap, lessonl_p, (unsigned long)lessonl_n * lessonl_size)) return;
  lessonl_equal = lessonl_eq_span(lessonl_snap, lessonl_p, lessonl_n, lessonl_size, lessonl_eq, lessonl_d);
  if (lessonl_d->uncomparable) {
    lessonl_d->uncomparable = 0;
    return;
  }
  lessonl_root(lessonl_d, lessonl_equal, lessonl_bit, lessonl_what);
}

/* Where the original should see `lessonl_in` when it lies inside a copied argument: the same
   place in the copy, so an in-place call stays in place. */
LESSONL_FN const void *lessonl_alias(const void *lessonl_in, long long lessonl_in_n, const void *lessonl_out,
                                     const void *lessonl_copy, long long lessonl_out_n, unsigned long lessonl_size) {
  const char *lessonl_i = (const char *)lessonl_in, *lessonl_o = (const char *)lessonl_out;
  long long lessonl_span = lessonl_out_n * (long long)lessonl_size;
  unsigned long lessonl_off;
  if (!lessonl_copy || !lessonl_i || lessonl_i < lessonl_o || lessonl_i >= lessonl_o + lessonl_span) return (const void *)0;
  lessonl_off = (unsigned long)(lessonl_i - lessonl_o);
  if (lessonl_off % lessonl_size) return (const void *)0;
  if (lessonl_in_n <= 0 ? lessonl_off != 0 : (long long)lessonl_off + lessonl_in_n * (long long)lessonl_size > lessonl_span)
    return (const void *)0;
  return (const char *)lessonl_copy + lessonl_off;
}
