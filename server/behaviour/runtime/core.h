/* The core of the behaviour-check runtime, in C89-clean syntax (no // comments, declarations
   first) that is also valid C++. Read by lessonl/behaviour/cfamily_runtime.py and put, with the
   C or C++ part, into the checked file itself. */
#define LESSONL_FN static __inline__ __attribute__((unused))
#if defined(__cplusplus) || (defined(__STDC_VERSION__) && __STDC_VERSION__ >= 199901L)
#define LESSONL_HAVE_C99 1
#else
#define LESSONL_HAVE_C99 0
#endif

struct lessonl_site {
  const char *name;
  double rtol, atol, rtol32, atol32;
  unsigned long long max_calls;
  unsigned long long calls, checked, started, uncompared;
  int init, reached, mismatched, spare;
  const char *report, *phase;
};

struct lessonl_diff {
  struct lessonl_site *site;
  unsigned long long call;
  int found, uncomparable;
  const char *why;
  /* Floating tolerance (lessonl_close): `scale` is the s of what is compared now, negative for an
     element of a container whose scale is not known yet (an element that needs it sets
     `want_scale`, and the outermost container, `nest` 0, computes it and compares again). In
     `scan` mode the comparators only add up the finite floating magnitudes they see (largest in
     `scan_max`, sum in `scan_sum`) down to `scan_limit` levels of containers. */
  long double scale, scan_max, scan_sum;
  int want_scale, nest, scan, scan_level, scan_limit;
  char path[256];
  char orig[160], cand[160];
};

typedef int (*lessonl_eq_fn)(const void *, const void *, struct lessonl_diff *);

struct lessonl_line { char data[3072]; unsigned long len; };

LESSONL_FN void lessonl_raw(struct lessonl_line *lessonl_b, const char *lessonl_s) {
  while (*lessonl_s && lessonl_b->len + 16 < sizeof lessonl_b->data) lessonl_b->data[lessonl_b->len++] = *lessonl_s++;
}

/* A JSON string: quotes, escapes; bytes that are not UTF-8 become '?'. */
LESSONL_FN void lessonl_str(struct lessonl_line *lessonl_b, const char *lessonl_s) {
  static const char lessonl_hex[] = "0123456789abcdef";
  const unsigned char *lessonl_p = (const unsigned char *)lessonl_s;
  lessonl_raw(lessonl_b, "\"");
  while (*lessonl_p && lessonl_b->len + 24 < sizeof lessonl_b->data) {
    unsigned char lessonl_c = *lessonl_p;
    int lessonl_more = lessonl_c >= 0xF0 && lessonl_c <= 0xF4 ? 3 : lessonl_c >= 0xE0 ? 2 : lessonl_c >= 0xC2 ? 1 : 0;
    if (lessonl_c == '"' || lessonl_c == '\\') {
      lessonl_b->data[lessonl_b->len++] = '\\';
      lessonl_b->data[lessonl_b->len++] = (char)lessonl_c;
      ++lessonl_p;
    } else if (lessonl_c < 0x20) {
      lessonl_raw(lessonl_b, "\\u00");
      lessonl_b->data[lessonl_b->len++] = lessonl_hex[lessonl_c >> 4];
      lessonl_b->data[lessonl_b->len++] = lessonl_hex[lessonl_c & 15];
      ++lessonl_p;
    } else if (lessonl_c < 0x80) {
      lessonl_b->data[lessonl_b->len++] = (char)lessonl_c;
      ++lessonl_p;
    } else {
      int lessonl_k, lessonl_ok = lessonl_more > 0;
      for (lessonl_k = 1; lessonl_ok && lessonl_k <= lessonl_more; ++lessonl_k)
        lessonl_ok = (lessonl_p[lessonl_k] & 0xC0) == 0x80;
      if (!lessonl_ok) {
        lessonl_b->data[lessonl_b->len++] = '?';
        ++lessonl_p;
      } else {
        for (lessonl_k = 0; lessonl_k <= lessonl_more; ++lessonl_k) lessonl_b->data[lessonl_b->len++] = (char)*lessonl_p++;
      }
    }
  }
  lessonl_raw(lessonl_b, "\"");
}

LESSONL_FN void lessonl_ull(struct lessonl_line *lessonl_b, unsigned long long lessonl_v) {
  char lessonl_t[32];
  int lessonl_i = 31;
  lessonl_t[lessonl_i] = 0;
  do { lessonl_t[--lessonl_i] = (char)('0' + lessonl_v % 10); lessonl_v /= 10; } while (lessonl_v);
  lessonl_raw(lessonl_b, lessonl_t + lessonl_i);
}

#ifndef __cplusplus
extern int getpid(void);
#endif

LESSONL_FN void lessonl_begin(struct lessonl_line *lessonl_b, struct lessonl_site *lessonl_s, const char *lessonl_event) {
  lessonl_b->len = 0;
  lessonl_raw(lessonl_b, "{\"v\": 1, \"event\": ");
  lessonl_str(lessonl_b, lessonl_event);
  lessonl_raw(lessonl_b, ", \"site\": ");
  lessonl_str(lessonl_b, lessonl_s->name);
  lessonl_raw(lessonl_b, ", \"phase\": ");
  lessonl_str(lessonl_b, lessonl_s->phase ? lessonl_s->phase : "");
  lessonl_raw(lessonl_b, ", \"pid\": ");
  lessonl_ull(lessonl_b, (unsigned long long)getpid());
}

/* One line, one write(2): a full buffer larger than the line, flushed once by fclose. */
LESSONL_FN void lessonl_emit(struct lessonl_site *lessonl_s, struct lessonl_line *lessonl_b) {
  char lessonl_io[4096];
  FILE *lessonl_f;
  lessonl_b->data[lessonl_b->len++] = '}';
  lessonl_b->data[lessonl_b->len++] = '\n';
  lessonl_f = fopen(lessonl_s->report, "a");
  if (!lessonl_f) return;
  setvbuf(lessonl_f, lessonl_io, _IOFBF, sizeof lessonl_io);
  if (fwrite(lessonl_b->data, 1, lessonl_b->len, lessonl_f) != lessonl_b->len) lessonl_b->len = 0;
  fclose(lessonl_f);
}

LESSONL_FN char *lessonl_keep(const char *lessonl_s) {
  unsigned long lessonl_n = (unsigned long)strlen(lessonl_s) + 1;
  char *lessonl_p = (char *)malloc(lessonl_n);
  if (lessonl_p) memcpy(lessonl_p, lessonl_s, lessonl_n);
  return lessonl_p;
}

/* The phase: LESSONL_CHECK_PHASE, else the file `phase` beside the report (the judge writes it
   before each run, so that the environment is the same in every phase). */
LESSONL_FN const char *lessonl_phase_of(const char *lessonl_r) {
  const char *lessonl_p = getenv("LESSONL_CHECK_PHASE");
  char lessonl_path[4096], lessonl_text[32];
  const char *lessonl_slash;
  unsigned long lessonl_n;
  FILE *lessonl_f;
  if (lessonl_p) return lessonl_keep(lessonl_p);
  if (!lessonl_r || !(lessonl_slash = strrchr(lessonl_r, '/'))) return (const char *)0;
  lessonl_n = (unsigned long)(lessonl_slash - lessonl_r);
  if (lessonl_n + 7 >= sizeof lessonl_path) return (const char *)0;
  memcpy(lessonl_path, lessonl_r, lessonl_n);
  memcpy(lessonl_path + lessonl_n, "/phase", 7);
  lessonl_f = fopen(lessonl_path, "r");
  if (!lessonl_f) return (const char *)0;
  lessonl_n = (unsigned long)fread(lessonl_text, 1, sizeof lessonl_text - 1, lessonl_f);
  fclose(lessonl_f);
  while (lessonl_n && (lessonl_text[lessonl_n - 1] == '\n' || lessonl_text[lessonl_n - 1] == ' ')) lessonl_n--;
  lessonl_text[lessonl_n] = 0;
  return lessonl_keep(lessonl_text);
}

/* The environment is read once per site (a racing second reader stores the same values). */
LESSONL_FN int lessonl_active(struct lessonl_site *lessonl_s) {
  if (!__atomic_load_n(&lessonl_s->init, __ATOMIC_ACQUIRE)) {
    const char *lessonl_r = getenv("LESSONL_CHECK_REPORT");
    const char *lessonl_kr = (lessonl_r && *lessonl_r) ? lessonl_keep(lessonl_r) : (const char *)0;
    const char *lessonl_kp = lessonl_kr ? lessonl_phase_of(lessonl_kr) : (const char *)0;
    __atomic_store_n(&lessonl_s->phase, lessonl_kp, __ATOMIC_RELAXED);
    __atomic_store_n(&lessonl_s->report, lessonl_kr, __ATOMIC_RELAXED);
    __atomic_store_n(&lessonl_s->init, 1, __ATOMIC_RELEASE);
  }
  return __atomic_load_n(&lessonl_s->report, __ATOMIC_RELAXED) != 0;
}

LESSONL_FN void lessonl_summary(struct lessonl_site *lessonl_s) {
  struct lessonl_line lessonl_b;
  lessonl_begin(&lessonl_b, lessonl_s, "summary");
  lessonl_raw(&lessonl_b, ", \"calls\": ");
  lessonl_ull(&lessonl_b, __atomic_load_n(&lessonl_s->calls, __ATOMIC_RELAXED));
  lessonl_raw(&lessonl_b, ", \"checked\": ");
  lessonl_ull(&lessonl_b, __atomic_load_n(&lessonl_s->checked, __ATOMIC_RELAXED));
  lessonl_emit(lessonl_s, &lessonl_b);
}

/* Counts one call; the first one in the process writes `reached` and arms the summary.
   Returns the call's 1-based number, 0 when nothing is reported. */
LESSONL_FN unsigned long long lessonl_count(struct lessonl_site *lessonl_s, void (*lessonl_at_exit)(void)) {
  unsigned long long lessonl_n;
  if (!lessonl_active(lessonl_s)) return 0;
  lessonl_n = __atomic_add_fetch(&lessonl_s->calls, 1, __ATOMIC_RELAXED);
  if (!__atomic_load_n(&lessonl_s->reached, __ATOMIC_ACQUIRE)
      && !__atomic_exchange_n(&lessonl_s->reached, 1, __ATOMIC_ACQ_REL)) {
    struct lessonl_line lessonl_b;
    lessonl_begin(&lessonl_b, lessonl_s, "reached");
    lessonl_emit(lessonl_s, &lessonl_b);
    if (atexit(lessonl_at_exit) != 0) lessonl_b.len = 0;
  }
  return lessonl_n;
}

/* Counts the call and says whether to compare it: the call number, or 0 to forward only
   (nothing reported, a difference already found, or past max_calls). */
LESSONL_FN unsigned long long lessonl_enter(struct lessonl_site *lessonl_s, void (*lessonl_at_exit)(void)) {
  unsigned long long lessonl_n = lessonl_count(lessonl_s, lessonl_at_exit);
  if (!lessonl_n || __atomic_load_n(&lessonl_s->mismatched, __ATOMIC_RELAXED)) return 0;
  if (__atomic_load_n(&lessonl_s->started, __ATOMIC_RELAXED) >= lessonl_s->max_calls) return 0; /* no write once full */
  if (__atomic_add_fetch(&lessonl_s->started, 1, __ATOMIC_RELAXED) > lessonl_s->max_calls) return 0;
  return lessonl_n;
}

/* Once per (site, what): `lessonl_bit` numbers the what (0 the return value, 1.. the parameters). */
LESSONL_FN void lessonl_uncompared(struct lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what,
                                   const char *lessonl_why) {
  unsigned long long lessonl_m = 1ULL << (lessonl_bit & 63);
  struct lessonl_line lessonl_b;
  if (!lessonl_s->report || (__atomic_fetch_or(&lessonl_s->uncompared, lessonl_m, __ATOMIC_RELAXED) & lessonl_m)) return;
  lessonl_begin(&lessonl_b, lessonl_s, "uncompared");
  lessonl_raw(&lessonl_b, ", \"what\": ");
  lessonl_str(&lessonl_b, lessonl_what);
  lessonl_raw(&lessonl_b, ", \"why\": ");
  lessonl_str(&lessonl_b, lessonl_why);
  lessonl_emit(lessonl_s, &lessonl_b);
}

LESSONL_FN void lessonl_diff_init(struct lessonl_diff *lessonl_d, struct lessonl_site *lessonl_s,
                                  unsigned long long lessonl_n) {
  memset(lessonl_d, 0, sizeof *lessonl_d);
  lessonl_d->site = lessonl_s;
  lessonl_d->call = lessonl_n;
}

/* The path is built from the inside out while a difference unwinds: "[3]", then ".x", then the root. */
LESSONL_FN void lessonl_prepend(struct lessonl_diff *lessonl_d, const char *lessonl_s) {
  unsigned long lessonl_n = (unsigned long)strlen(lessonl_s), lessonl_have = (unsigned long)strlen(lessonl_d->path);
  if (lessonl_n + 1 >= sizeof lessonl_d->path) return;
  if (lessonl_have + lessonl_n + 1 > sizeof lessonl_d->path) lessonl_have = sizeof lessonl_d->path - lessonl_n - 1;
  memmove(lessonl_d->path + lessonl_n, lessonl_d->path, lessonl_have);
  lessonl_d->path[lessonl_n + lessonl_have] = 0;
  memcpy(lessonl_d->path, lessonl_s, lessonl_n);
}

LESSONL_FN void lessonl_prepend_index(struct lessonl_diff *lessonl_d, unsigned long long lessonl_i) {
  struct lessonl_line lessonl_b;
  lessonl_b.len = 0;
  lessonl_raw(&lessonl_b, "[");
  lessonl_ull(&lessonl_b, lessonl_i);
  lessonl_raw(&lessonl_b, "]");
  lessonl_b.data[lessonl_b.len] = 0;
  lessonl_prepend(lessonl_d, lessonl_b.data);
}

LESSONL_FN void lessonl_copy_text(char *lessonl_dst, unsigned long lessonl_size, const char *lessonl_src) {
  unsigned long lessonl_n = (unsigned long)strlen(lessonl_src);
  if (lessonl_n >= lessonl_size) {
    memcpy(lessonl_dst, lessonl_src, lessonl_size - 4);
    memcpy(lessonl_dst + lessonl_size - 4, "...", 4);
  } else {
    memcpy(lessonl_dst, lessonl_src, lessonl_n + 1);
  }
}

LESSONL_FN int lessonl_differ(struct lessonl_diff *lessonl_d, const char *lessonl_o, const char *lessonl_c) {
  lessonl_d->found = 1;
  lessonl_copy_text(lessonl_d->orig, sizeof lessonl_d->orig, lessonl_o);
  lessonl_copy_text(lessonl_d->cand, sizeof lessonl_d->cand, lessonl_c);
  return 0;
}

/* Ends one compared thing (`lessonl_what` is its name, e.g. "y" or "return value"). */
LESSONL_FN void lessonl_root(struct lessonl_diff *lessonl_d, int lessonl_equal, int lessonl_bit, const char *lessonl_what) {
  if (lessonl_d->uncomparable) {
    lessonl_uncompared(lessonl_d->site, lessonl_bit, lessonl_what, lessonl_d->why);
    lessonl_d->uncomparable = 0;
  }
  if (!lessonl_equal && lessonl_d->found) lessonl_prepend(lessonl_d, lessonl_what);
}

/* After the comparisons: the first difference in the process becomes the `mismatch` event. */
LESSONL_FN void lessonl_finish(struct lessonl_diff *lessonl_d) {
  struct lessonl_site *lessonl_s = lessonl_d->site;
  if (lessonl_d->found && !__atomic_exchange_n(&lessonl_s->mismatched, 1, __ATOMIC_ACQ_REL)) {
    struct lessonl_line lessonl_b;
    lessonl_begin(&lessonl_b, lessonl_s, "mismatch");
    lessonl_raw(&lessonl_b, ", \"call\": ");
    lessonl_ull(&lessonl_b, lessonl_d->call);
    lessonl_raw(&lessonl_b, ", \"what\": ");
    lessonl_str(&lessonl_b, lessonl_d->path);
    lessonl_raw(&lessonl_b, ", \"original\": ");
    lessonl_str(&lessonl_b, lessonl_d->orig);
    lessonl_raw(&lessonl_b, ", \"rewrite\": ");
    lessonl_str(&lessonl_b, lessonl_d->cand);
    lessonl_emit(lessonl_s, &lessonl_b);
  }
  __atomic_add_fetch(&lessonl_s->checked, 1, __ATOMIC_RELAXED);
}

/* ---- values as short text ---- */

LESSONL_FN void lessonl_dot_zero(char *lessonl_s) {
  const char *lessonl_p = lessonl_s;
  if (*lessonl_p == '-') ++lessonl_p;
  for (; *lessonl_p; ++lessonl_p)
    if (*lessonl_p < '0' || *lessonl_p > '9') return;
  strcat(lessonl_s, ".0");
}

LESSONL_FN int lessonl_special(char *lessonl_out, long double lessonl_v) {
  if (lessonl_v != lessonl_v) { strcpy(lessonl_out, "nan"); return 1; }
  if (lessonl_v - lessonl_v != lessonl_v - lessonl_v) { strcpy(lessonl_out, lessonl_v > 0 ? "inf" : "-inf"); return 1; }
  return 0;
}

/* The shortest text that reads back as the same value ("6.5", "4.0", "0.1"). */
LESSONL_FN void lessonl_fmt_double(char *lessonl_out, double lessonl_v, int lessonl_single) {
  int lessonl_p;
  if (lessonl_special(lessonl_out, lessonl_v)) return;
  for (lessonl_p = 1; lessonl_p <= 17; ++lessonl_p) {
    double lessonl_back;
#if LESSONL_HAVE_C99
    snprintf(lessonl_out, 48, "%.*g", lessonl_p, lessonl_v);
#else
    sprintf(lessonl_out, "%.*g", lessonl_p, lessonl_v);
#endif
    lessonl_back = strtod(lessonl_out, (char **)0);
    if (lessonl_single ? (float)lessonl_back == (float)lessonl_v : lessonl_back == lessonl_v) break;
  }
  lessonl_dot_zero(lessonl_out);
}

LESSONL_FN void lessonl_fmt_long_double(char *lessonl_out, long double lessonl_v) {
  int lessonl_p;
  if (lessonl_special(lessonl_out, lessonl_v)) return;
  for (lessonl_p = 1; lessonl_p <= 21; ++lessonl_p) {
#if LESSONL_HAVE_C99
    snprintf(lessonl_out, 48, "%.*Lg", lessonl_p, lessonl_v);
    if (strtold(lessonl_out, (char **)0) == lessonl_v) break;
#else
    sprintf(lessonl_out, "%.*Lg", lessonl_p, lessonl_v);
#endif
  }
  lessonl_dot_zero(lessonl_out);
}

LESSONL_FN void lessonl_fmt_ll(char *lessonl_out, long long lessonl_v) {
  struct lessonl_line lessonl_b;
  lessonl_b.len = 0;
  if (lessonl_v < 0) {
    lessonl_raw(&lessonl_b, "-");
    lessonl_ull(&lessonl_b, 0ULL - (unsigned long long)lessonl_v);
  } else {
    lessonl_ull(&lessonl_b, (unsigned long long)lessonl_v);
  }
  lessonl_b.data[lessonl_b.len] = 0;
  strcpy(lessonl_out, lessonl_b.data);
}

LESSONL_FN void lessonl_fmt_ull(char *lessonl_out, unsigned long long lessonl_v) {
  struct lessonl_line lessonl_b;
  lessonl_b.len = 0;
  lessonl_ull(&lessonl_b, lessonl_v);
  lessonl_b.data[lessonl_b.len] = 0;
  strcpy(lessonl_out, lessonl_b.data);
}

/* ---- comparing floating values, NaN equal to NaN:
   |a - b| <= atol + rtol * max(|a|, |b|) + 64 * eps * s
   where eps is the type's machine epsilon (2.2e-16 double, 1.2e-7 float, long double's own) and
   s the SCALE of the value:
   - an element of a container or array (pointer outputs and nested containers included): the
     largest magnitude among the finite floating values of that same container on the original's
     side (computed once per container comparison, and only when some element needs it; a nested
     container is part of the outermost one compared);
   - a floating scalar (a return value, a scalar output through a reference or a 1-element
     pointer): the sum of magnitudes of the finite floating values in the call's floating-point
     INPUT arguments (containers, arrays with a known extent, scalars; top level and one level of
     nesting), taken before the call, only when the function returns or outputs a floating scalar.
   Why: reassociating a sum of terms changes it by about eps times the sum of the magnitudes of
   its terms, not of its result; a dropped, doubled or wrong term changes it by about the size of
   that term, which is far larger. Within a container, an element that cancels to nearly zero
   carries the rounding of terms as large as its neighbours, whose magnitudes stand in for them.
   ---- */

/* The 64 * eps * s term for a value of machine epsilon `lessonl_eps`. */
LESSONL_FN long double lessonl_slack(const struct lessonl_diff *lessonl_d, long double lessonl_eps) {
  return lessonl_d->scale > 0 ? 64 * lessonl_eps * lessonl_d->scale : 0;
}

/* Scan mode: one floating value seen (infinities and NaN do not count). */
LESSONL_FN void lessonl_scan_add(struct lessonl_diff *lessonl_d, long double lessonl_v) {
  if (lessonl_v - lessonl_v != 0) return;
  if (lessonl_v < 0) lessonl_v = -lessonl_v;
  lessonl_d->scan_sum += lessonl_v;
  if (lessonl_v > lessonl_d->scan_max) lessonl_d->scan_max = lessonl_v;
}

/* Scan mode over plain arrays of double or float: the same, in a tight loop (four lanes in
   registers, no branch on the data). */
#define LESSONL_FINITE_ABS(lessonl_x) (__builtin_fabs(lessonl_x) - __builtin_fabs(lessonl_x) == 0 ? __builtin_fabs(lessonl_x) : 0.0)
#define LESSONL_LANE(lessonl_s, lessonl_m, lessonl_x)                \
  do {                                                                \
    double lessonl_v = LESSONL_FINITE_ABS(lessonl_x);                 \
    lessonl_s += lessonl_v;                                           \
    lessonl_m = lessonl_v > lessonl_m ? lessonl_v : lessonl_m;        \
  } while (0)
#define LESSONL_SCAN_LANES                                                                               \
  double lessonl_s0 = 0, lessonl_s1 = 0, lessonl_s2 = 0, lessonl_s3 = 0;                                \
  double lessonl_m0 = 0, lessonl_m1 = 0, lessonl_m2 = 0, lessonl_m3 = 0;                                \
  long long lessonl_i = 0;                                                                              \
  for (; lessonl_i + 4 <= lessonl_n; lessonl_i += 4) {                                                  \
    LESSONL_LANE(lessonl_s0, lessonl_m0, (double)lessonl_p[lessonl_i]);                                  \
    LESSONL_LANE(lessonl_s1, lessonl_m1, (double)lessonl_p[lessonl_i + 1]);                              \
    LESSONL_LANE(lessonl_s2, lessonl_m2, (double)lessonl_p[lessonl_i + 2]);                              \
    LESSONL_LANE(lessonl_s3, lessonl_m3, (double)lessonl_p[lessonl_i + 3]);                              \
  }                                                                                                     \
  for (; lessonl_i < lessonl_n; ++lessonl_i) LESSONL_LANE(lessonl_s0, lessonl_m0, (double)lessonl_p[lessonl_i]); \
  lessonl_m0 = lessonl_m1 > lessonl_m0 ? lessonl_m1 : lessonl_m0;                                      \
  lessonl_m2 = lessonl_m3 > lessonl_m2 ? lessonl_m3 : lessonl_m2;                                      \
  lessonl_m0 = lessonl_m2 > lessonl_m0 ? lessonl_m2 : lessonl_m0;                                      \
  lessonl_d->scan_sum += (lessonl_s0 + lessonl_s1) + (lessonl_s2 + lessonl_s3);                         \
  if (lessonl_m0 > lessonl_d->scan_max) lessonl_d->scan_max = lessonl_m0;
LESSONL_FN void lessonl_scan_doubles(struct lessonl_diff *lessonl_d, const double *lessonl_p, long long lessonl_n) {
  LESSONL_SCAN_LANES
}
LESSONL_FN void lessonl_scan_floats(struct lessonl_diff *lessonl_d, const float *lessonl_p, long long lessonl_n) {
  LESSONL_SCAN_LANES
}

LESSONL_FN void lessonl_scan_begin(struct lessonl_diff *lessonl_d, int lessonl_limit) {
  lessonl_d->scan = 1;
  lessonl_d->scan_max = 0;
  lessonl_d->scan_sum = 0;
  lessonl_d->scan_level = 0;
  lessonl_d->scan_limit = lessonl_limit;
}

LESSONL_FN int lessonl_close(long double lessonl_a, long double lessonl_b, double lessonl_rtol, double lessonl_atol,
                             long double lessonl_slack_) {
  long double lessonl_d, lessonl_m, lessonl_mb;
  if (lessonl_a == lessonl_b) return 1;
  if (lessonl_a != lessonl_a || lessonl_b != lessonl_b) return lessonl_a != lessonl_a && lessonl_b != lessonl_b;
  if (lessonl_a - lessonl_a != 0 || lessonl_b - lessonl_b != 0) return 0;
  lessonl_d = lessonl_a > lessonl_b ? lessonl_a - lessonl_b : lessonl_b - lessonl_a;
  lessonl_m = lessonl_a < 0 ? -lessonl_a : lessonl_a;
  lessonl_mb = lessonl_b < 0 ? -lessonl_b : lessonl_b;
  if (lessonl_mb > lessonl_m) lessonl_m = lessonl_mb;
  return lessonl_d <= lessonl_atol + lessonl_rtol * lessonl_m + lessonl_slack_;
}

LESSONL_FN int lessonl_diff_double(struct lessonl_diff *lessonl_d, double lessonl_a, double lessonl_b, int lessonl_single) {
  char lessonl_x[48], lessonl_y[48];
  lessonl_fmt_double(lessonl_x, lessonl_a, lessonl_single);
  lessonl_fmt_double(lessonl_y, lessonl_b, lessonl_single);
  return lessonl_differ(lessonl_d, lessonl_x, lessonl_y);
}

LESSONL_FN int lessonl_diff_ll(struct lessonl_diff *lessonl_d, long long lessonl_a, long long lessonl_b) {
  char lessonl_x[32], lessonl_y[32];
  lessonl_fmt_ll(lessonl_x, lessonl_a);
  lessonl_fmt_ll(lessonl_y, lessonl_b);
  return lessonl_differ(lessonl_d, lessonl_x, lessonl_y);
}

LESSONL_FN int lessonl_diff_ull(struct lessonl_diff *lessonl_d, unsigned long long lessonl_a, unsigned long long lessonl_b) {
  char lessonl_x[32], lessonl_y[32];
  lessonl_fmt_ull(lessonl_x, lessonl_a);
  lessonl_fmt_ull(lessonl_y, lessonl_b);
  return lessonl_differ(lessonl_d, lessonl_x, lessonl_y);
}

/* 1: equal (or only scanned); 0 with `want_scale` set: an element that needs its container's
   scale first; -1: different. */
LESSONL_FN int lessonl_float_eq(struct lessonl_diff *lessonl_d, long double lessonl_x, long double lessonl_y,
                                double lessonl_rtol, double lessonl_atol, long double lessonl_eps) {
  if (lessonl_d->scan) {
    lessonl_scan_add(lessonl_d, lessonl_x);
    return 1;
  }
  if (lessonl_close(lessonl_x, lessonl_y, lessonl_rtol, lessonl_atol, lessonl_slack(lessonl_d, lessonl_eps))) return 1;
  if (lessonl_d->scale < 0) {
    lessonl_d->want_scale = 1;
    return 0;
  }
  return -1;
}

LESSONL_FN int lessonl_eq_f(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) {
  float lessonl_x = *(const float *)lessonl_a, lessonl_y = *(const float *)lessonl_b;
  int lessonl_r = lessonl_float_eq(lessonl_d, lessonl_x, lessonl_y, lessonl_d->site->rtol32, lessonl_d->site->atol32,
                                   __FLT_EPSILON__);
  return lessonl_r >= 0 ? lessonl_r : lessonl_diff_double(lessonl_d, lessonl_x, lessonl_y, 1);
}

LESSONL_FN int lessonl_eq_d(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) {
  double lessonl_x = *(const double *)lessonl_a, lessonl_y = *(const double *)lessonl_b;
  int lessonl_r = lessonl_float_eq(lessonl_d, lessonl_x, lessonl_y, lessonl_d->site->rtol, lessonl_d->site->atol,
                                   __DBL_EPSILON__);
  return lessonl_r >= 0 ? lessonl_r : lessonl_diff_double(lessonl_d, lessonl_x, lessonl_y, 0);
}

LESSONL_FN int lessonl_eq_ld(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) {
  long double lessonl_x = *(const long double *)lessonl_a, lessonl_y = *(const long double *)lessonl_b;
  char lessonl_sx[48], lessonl_sy[48];
  int lessonl_r = lessonl_float_eq(lessonl_d, lessonl_x, lessonl_y, lessonl_d->site->rtol, lessonl_d->site->atol,
                                   __LDBL_EPSILON__);
  if (lessonl_r >= 0) return lessonl_r;
  lessonl_fmt_long_double(lessonl_sx, lessonl_x);
  lessonl_fmt_long_double(lessonl_sy, lessonl_y);
  return lessonl_differ(lessonl_d, lessonl_sx, lessonl_sy);
}

#define LESSONL_EQ_SIGNED(lessonl_name, lessonl_type) \
  LESSONL_FN int lessonl_name(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) { \
    lessonl_type lessonl_x = *(const lessonl_type *)lessonl_a, lessonl_y = *(const lessonl_type *)lessonl_b; \
    return lessonl_x == lessonl_y || lessonl_diff_ll(lessonl_d, (long long)lessonl_x, (long long)lessonl_y); \
  }
#define LESSONL_EQ_UNSIGNED(lessonl_name, lessonl_type) \
  LESSONL_FN int lessonl_name(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) { \
    lessonl_type lessonl_x = *(const lessonl_type *)lessonl_a, lessonl_y = *(const lessonl_type *)lessonl_b; \
    return lessonl_x == lessonl_y \
        || lessonl_diff_ull(lessonl_d, (unsigned long long)lessonl_x, (unsigned long long)lessonl_y); \
  }
LESSONL_EQ_SIGNED(lessonl_eq_c, char)
LESSONL_EQ_SIGNED(lessonl_eq_sc, signed char)
LESSONL_EQ_UNSIGNED(lessonl_eq_uc, unsigned char)
LESSONL_EQ_SIGNED(lessonl_eq_s, short)
LESSONL_EQ_UNSIGNED(lessonl_eq_us, unsigned short)
LESSONL_EQ_SIGNED(lessonl_eq_i, int)
LESSONL_EQ_UNSIGNED(lessonl_eq_u, unsigned int)
LESSONL_EQ_SIGNED(lessonl_eq_l, long)
LESSONL_EQ_UNSIGNED(lessonl_eq_ul, unsigned long)
LESSONL_EQ_SIGNED(lessonl_eq_ll, long long)
LESSONL_EQ_UNSIGNED(lessonl_eq_ull, unsigned long long)

LESSONL_FN int lessonl_eq_unknown(const void *lessonl_a, const void *lessonl_b, struct lessonl_diff *lessonl_d) {
  (void)lessonl_a;
  (void)lessonl_b;
  lessonl_d->uncomparable = 1;
  lessonl_d->why = "LessonL cannot tell its type here (C before C11 has no _Generic, or a type it cannot compare)";
  return 1;
}

/* Text around s[i] (n bytes) as a quoted string: up to 24 bytes on each side, "..." (one
   character, U+2026) where it is cut, UTF-8 sequences kept whole. */
LESSONL_FN void lessonl_window(char *lessonl_out, unsigned long lessonl_cap, const char *lessonl_s, long long lessonl_n,
                               long long lessonl_i) {
  long long lessonl_start = lessonl_i > 24 ? lessonl_i - 24 : 0, lessonl_end = lessonl_i + 24 < lessonl_n ? lessonl_i + 24 : lessonl_n;
  long long lessonl_k;
  unsigned long lessonl_len = 0;
  while (lessonl_start > 0 && lessonl_start < lessonl_i && ((unsigned char)lessonl_s[lessonl_start] & 0xC0) == 0x80)
    ++lessonl_start;
  while (lessonl_end < lessonl_n && lessonl_end > lessonl_i + 1 && ((unsigned char)lessonl_s[lessonl_end] & 0xC0) == 0x80)
    --lessonl_end;
  lessonl_out[lessonl_len++] = '"';
  if (lessonl_start > 0) { memcpy(lessonl_out + lessonl_len, "\342\200\246", 3); lessonl_len += 3; }
  for (lessonl_k = lessonl_start; lessonl_k < lessonl_end && lessonl_len + 8 < lessonl_cap; ++lessonl_k) {
    char lessonl_c = lessonl_s[lessonl_k];
    if (lessonl_c == '"' || lessonl_c == '\\') { lessonl_out[lessonl_len++] = '\\'; lessonl_out[lessonl_len++] = lessonl_c; }
    else if (lessonl_c == '\n') { lessonl_out[lessonl_len++] = '\\'; lessonl_out[lessonl_len++] = 'n'; }
    else if (lessonl_c == '\t') { lessonl_out[lessonl_len++] = '\\'; lessonl_out[lessonl_len++] = 't'; }
    else if (lessonl_c == 0) { lessonl_out[lessonl_len++] = '\\'; lessonl_out[lessonl_len++] = '0'; }
    else lessonl_out[lessonl_len++] = lessonl_c;
  }
  if (lessonl_end < lessonl_n && lessonl_len + 5 < lessonl_cap) {
    memcpy(lessonl_out + lessonl_len, "\342\200\246", 3);
    lessonl_len += 3;
  }
  lessonl_out[lessonl_len++] = '"';
  lessonl_out[lessonl_len] = 0;
}

/* A comparator of numbers without padding bytes: equal bytes are equal values. */
LESSONL_FN int lessonl_plain(lessonl_eq_fn lessonl_eq) {
  return lessonl_eq == lessonl_eq_d || lessonl_eq == lessonl_eq_f || lessonl_eq == lessonl_eq_i || lessonl_eq == lessonl_eq_u ||
         lessonl_eq == lessonl_eq_l || lessonl_eq == lessonl_eq_ul || lessonl_eq == lessonl_eq_ll || lessonl_eq == lessonl_eq_ull ||
         lessonl_eq == lessonl_eq_s || lessonl_eq == lessonl_eq_us || lessonl_eq == lessonl_eq_c || lessonl_eq == lessonl_eq_sc ||
         lessonl_eq == lessonl_eq_uc;
}

/* The largest finite floating magnitude in n elements (scan mode of their comparator). */
LESSONL_FN long double lessonl_span_scale(const void *lessonl_a, long long lessonl_n, unsigned long lessonl_size,
                                          lessonl_eq_fn lessonl_eq, struct lessonl_diff *lessonl_d) {
  long long lessonl_i;
  const char *lessonl_x = (const char *)lessonl_a;
  int lessonl_unc = lessonl_d->uncomparable;
  const char *lessonl_why = lessonl_d->why;
  lessonl_scan_begin(lessonl_d, 1 << 20);
  if (lessonl_eq == lessonl_eq_d) lessonl_scan_doubles(lessonl_d, (const double *)lessonl_a, lessonl_n);
  else if (lessonl_eq == lessonl_eq_f) lessonl_scan_floats(lessonl_d, (const float *)lessonl_a, lessonl_n);
  else
    for (lessonl_i = 0; lessonl_i < lessonl_n; ++lessonl_i)
      lessonl_eq(lessonl_x + lessonl_i * (long long)lessonl_size, lessonl_x + lessonl_i * (long long)lessonl_size, lessonl_d);
  lessonl_d->scan = 0;
  lessonl_d->uncomparable = lessonl_unc;
  lessonl_d->why = lessonl_why;
  return lessonl_d->scan_max;
}

/* n elements of `lessonl_size` bytes each, the original's first: "[i]" on a difference. A span
   is a container (see lessonl_close) unless it holds one element: a scalar through a pointer.
   Characters differ as the text around them. */
LESSONL_FN int lessonl_eq_span(const void *lessonl_a, const void *lessonl_b, long long lessonl_n,
                               unsigned long lessonl_size, lessonl_eq_fn lessonl_eq, struct lessonl_diff *lessonl_d) {
  long long lessonl_i;
  const char *lessonl_x = (const char *)lessonl_a, *lessonl_y = (const char *)lessonl_b;
  long double lessonl_saved = lessonl_d->scale;
  int lessonl_outer = lessonl_d->nest == 0 && lessonl_n != 1;
  if (lessonl_d->scan) {
    if (lessonl_d->scan_level >= lessonl_d->scan_limit) return 1;
    ++lessonl_d->scan_level;
    if (lessonl_eq == lessonl_eq_d) lessonl_scan_doubles(lessonl_d, (const double *)lessonl_a, lessonl_n);
    else if (lessonl_eq == lessonl_eq_f) lessonl_scan_floats(lessonl_d, (const float *)lessonl_a, lessonl_n);
    else
      for (lessonl_i = 0; lessonl_i < lessonl_n; ++lessonl_i)
        lessonl_eq(lessonl_x + lessonl_i * (long long)lessonl_size, lessonl_x + lessonl_i * (long long)lessonl_size, lessonl_d);
    --lessonl_d->scan_level;
    return 1;
  }
  if (lessonl_n > 0 && lessonl_plain(lessonl_eq) && !memcmp(lessonl_a, lessonl_b, (unsigned long)lessonl_n * lessonl_size))
    return 1; /* the same bytes: the same numbers (the common case, at memcmp's speed) */
  ++lessonl_d->nest;
  if (lessonl_outer) lessonl_d->scale = -1;
  for (lessonl_i = 0; lessonl_i < lessonl_n; ++lessonl_i) {
    const char *lessonl_xi = lessonl_x + lessonl_i * (long long)lessonl_size;
    const char *lessonl_yi = lessonl_y + lessonl_i * (long long)lessonl_size;
    if (!lessonl_eq(lessonl_xi, lessonl_yi, lessonl_d)) {
      if (lessonl_outer && lessonl_d->want_scale) {
        lessonl_d->want_scale = 0;
        lessonl_d->path[0] = 0;
        lessonl_d->scale = lessonl_span_scale(lessonl_a, lessonl_n, lessonl_size, lessonl_eq, lessonl_d);
        if (lessonl_eq(lessonl_xi, lessonl_yi, lessonl_d)) continue;
      }
      if (lessonl_eq == lessonl_eq_c && lessonl_d->found) {
        lessonl_window(lessonl_d->orig, sizeof lessonl_d->orig, lessonl_x, lessonl_n, lessonl_i);
        lessonl_window(lessonl_d->cand, sizeof lessonl_d->cand, lessonl_y, lessonl_n, lessonl_i);
      }
      lessonl_prepend_index(lessonl_d, (unsigned long long)lessonl_i);
      --lessonl_d->nest;
      lessonl_d->scale = lessonl_saved;
      return 0;
    }
    if (lessonl_d->uncomparable) break;
  }
  --lessonl_d->nest;
  lessonl_d->scale = lessonl_saved;
  return 1;
}

/* Whether [p, p + n) and [q, q + m) share a byte. */
LESSONL_FN int lessonl_overlap(const void *lessonl_p, unsigned long lessonl_n, const void *lessonl_q, unsigned long lessonl_m) {
  const char *lessonl_a = (const char *)lessonl_p, *lessonl_b = (const char *)lessonl_q;
  return lessonl_a && lessonl_b && lessonl_n && lessonl_m && lessonl_a < lessonl_b + lessonl_m && lessonl_b < lessonl_a + lessonl_n;
}
