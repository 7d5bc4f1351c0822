/* The C++ part of the behaviour-check runtime (after core.h, inside namespace lessonl_rt). */
template <int LessonlN> struct rank : rank<LessonlN - 1> {};
template <> struct rank<0> {};

template <class LessonlT> struct identity { typedef LessonlT type; };
template <class...> struct always_void { typedef void type; };

/* A difference found while comparing: the steps of its path, innermost first. A step with
   '%' in it wraps what is outside it ("std::get<1>(%)"), any other is a suffix ("[3]"). */
struct diff {
  lessonl_diff c;
  std::string steps[24];
  int nsteps;
  diff(lessonl_site *lessonl_s, unsigned long long lessonl_n) : nsteps(0) { lessonl_diff_init(&c, lessonl_s, lessonl_n); }
  bool differ(const std::string &lessonl_o, const std::string &lessonl_r) {
    lessonl_differ(&c, lessonl_o.c_str(), lessonl_r.c_str());
    return false;
  }
  bool uncomparable(const char *lessonl_why) {
    if (!c.uncomparable) { c.uncomparable = 1; c.why = lessonl_why; }
    return true;
  }
  bool step(const std::string &lessonl_s) {
    if (nsteps < 24) steps[nsteps++] = lessonl_s;
    return false;
  }
  void root(bool lessonl_equal, int lessonl_bit, const char *lessonl_what) {
    if (!lessonl_equal && c.found) {
      std::string lessonl_expr = lessonl_what;
      for (int lessonl_i = nsteps - 1; lessonl_i >= 0; --lessonl_i) {
        std::string::size_type lessonl_at = steps[lessonl_i].find('%');
        if (lessonl_at == std::string::npos) lessonl_expr += steps[lessonl_i];
        else lessonl_expr = steps[lessonl_i].substr(0, lessonl_at) + lessonl_expr + steps[lessonl_i].substr(lessonl_at + 1);
      }
      lessonl_copy_text(c.path, sizeof c.path, lessonl_expr.c_str());
      lessonl_equal = true;
    }
    lessonl_root(&c, lessonl_equal, lessonl_bit, lessonl_what);
  }
};

inline std::string number(unsigned long long lessonl_v) {
  char lessonl_t[32];
  lessonl_fmt_ull(lessonl_t, lessonl_v);
  return lessonl_t;
}

/* ---- printing a value ---- */

inline std::string quote_text(const std::string &lessonl_s) {
  std::string lessonl_out = "\"";
  for (std::string::size_type lessonl_i = 0; lessonl_i < lessonl_s.size() && lessonl_i < 48; ++lessonl_i) {
    char lessonl_c = lessonl_s[lessonl_i];
    if (lessonl_c == '"' || lessonl_c == '\\') { lessonl_out += '\\'; lessonl_out += lessonl_c; }
    else if (lessonl_c == '\n') lessonl_out += "\\n";
    else if (lessonl_c == '\t') lessonl_out += "\\t";
    else if (lessonl_c == 0) lessonl_out += "\\0";
    else lessonl_out += lessonl_c;
  }
  return lessonl_out + (lessonl_s.size() > 48 ? "\"..." : "\"");
}

/* A string-like type (std::basic_string, std::basic_string_view): compared and shown as text. */
template <class LessonlT, class = void> struct is_text : std::false_type {};
template <class LessonlT>
struct is_text<LessonlT, typename always_void<typename LessonlT::traits_type, typename LessonlT::value_type,
                                               decltype(std::declval<const LessonlT &>().data()),
                                               decltype(std::declval<const LessonlT &>().size())>::type>
    : std::true_type {};

/* The text around position `lessonl_i` of a string of any character type (lessonl_window). */
inline std::string window(const char *lessonl_s, std::size_t lessonl_n, std::size_t lessonl_i) {
  char lessonl_t[160];
  lessonl_window(lessonl_t, sizeof lessonl_t, lessonl_s, static_cast<long long>(lessonl_n), static_cast<long long>(lessonl_i));
  return lessonl_t;
}
template <class LessonlC>
std::string window(const LessonlC *lessonl_s, std::size_t lessonl_n, std::size_t lessonl_i) {
  std::size_t lessonl_lo = lessonl_i > 32 ? lessonl_i - 32 : 0, lessonl_hi = lessonl_i + 32 < lessonl_n ? lessonl_i + 32 : lessonl_n;
  std::string lessonl_narrow(lessonl_hi - lessonl_lo, ' ');
  for (std::size_t lessonl_k = lessonl_lo; lessonl_k < lessonl_hi; ++lessonl_k)
    lessonl_narrow[lessonl_k - lessonl_lo] = static_cast<char>(lessonl_s[lessonl_k]);
  std::string lessonl_w = ::lessonl_rt::window(lessonl_narrow.data(), lessonl_narrow.size(), lessonl_i - lessonl_lo);
  if (lessonl_lo > 0 && lessonl_w.compare(0, 4, "\"\342\200\246") != 0) lessonl_w.insert(1, "\342\200\246");
  if (lessonl_hi < lessonl_n && lessonl_w.compare(lessonl_w.size() - 4, 4, "\342\200\246\"") != 0)
    lessonl_w.insert(lessonl_w.size() - 1, "\342\200\246");
  return lessonl_w;
}

template <class LessonlT> std::string show(const LessonlT &lessonl_v);

template <class LessonlT>
typename std::enable_if<std::is_floating_point<LessonlT>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<6>) {
  char lessonl_t[48];
  if (sizeof(LessonlT) > sizeof(double)) lessonl_fmt_long_double(lessonl_t, lessonl_v);
  else lessonl_fmt_double(lessonl_t, static_cast<double>(lessonl_v), sizeof(LessonlT) < sizeof(double));
  return lessonl_t;
}
template <class LessonlT>
typename std::enable_if<std::is_same<LessonlT, bool>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<6>) { return lessonl_v ? "true" : "false"; }
template <class LessonlT>
typename std::enable_if<std::is_same<LessonlT, char>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<6>) {
  char lessonl_t[32];
  if (lessonl_v >= 32 && lessonl_v < 127 && lessonl_v != '\'' && lessonl_v != '\\') {
    lessonl_t[0] = '\''; lessonl_t[1] = lessonl_v; lessonl_t[2] = '\''; lessonl_t[3] = 0;
  } else {
    lessonl_fmt_ll(lessonl_t, lessonl_v);
  }
  return lessonl_t;
}
template <class LessonlT>
typename std::enable_if<std::is_integral<LessonlT>::value && std::is_signed<LessonlT>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<5>) {
  char lessonl_t[32];
  lessonl_fmt_ll(lessonl_t, static_cast<long long>(lessonl_v));
  return lessonl_t;
}
template <class LessonlT>
typename std::enable_if<std::is_integral<LessonlT>::value && !std::is_signed<LessonlT>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<5>) {
  return ::lessonl_rt::number(static_cast<unsigned long long>(lessonl_v));
}
template <class LessonlT>
typename std::enable_if<std::is_enum<LessonlT>::value, std::string>::type
show_impl(const LessonlT &lessonl_v, rank<5>) {
  typedef typename std::underlying_type<LessonlT>::type lessonl_u;
  return ::lessonl_rt::show(static_cast<lessonl_u>(lessonl_v));
}
template <class LessonlT>
typename std::enable_if<is_text<LessonlT>::value, std::string>::type show_impl(const LessonlT &lessonl_v, rank<5>) {
  std::string lessonl_s;
  for (std::size_t lessonl_i = 0; lessonl_i < static_cast<std::size_t>(lessonl_v.size()) && lessonl_i < 64; ++lessonl_i)
    lessonl_s += static_cast<char>(lessonl_v.data()[lessonl_i]);
  if (lessonl_v.size() > 64) lessonl_s += "...";
  return ::lessonl_rt::quote_text(lessonl_s);
}
template <class LessonlT>
auto show_impl(const LessonlT &lessonl_v, rank<2>)
    -> decltype(std::declval<std::ostream &>() << lessonl_v, std::string()) {
  std::ostringstream lessonl_o;
  lessonl_o << lessonl_v;
  std::string lessonl_s = lessonl_o.str();
  return lessonl_s.size() > 120 ? lessonl_s.substr(0, 117) + "..." : lessonl_s;
}
template <class LessonlT> std::string show_impl(const LessonlT &, rank<0>) { return "(a value without operator<<)"; }
template <class LessonlT> std::string show(const LessonlT &lessonl_v) { return ::lessonl_rt::show_impl(lessonl_v, rank<8>()); }

/* ---- comparing two values of one type ---- */

template <class LessonlT> bool eq(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d);

/* A range whose elements are not of its own type (a filesystem path iterates over paths). */
template <class LessonlT, class = void> struct is_range : std::false_type {};
template <class LessonlT>
struct is_range<LessonlT, typename always_void<decltype(std::declval<const LessonlT &>().begin()),
                                                decltype(std::declval<const LessonlT &>().end()),
                                                typename std::iterator_traits<decltype(
                                                    std::declval<const LessonlT &>().begin())>::iterator_category>::type>
    : std::integral_constant<bool, !std::is_same<typename std::decay<decltype(*std::declval<const LessonlT &>().begin())>::type,
                                                 LessonlT>::value> {};
template <class LessonlT, class = void> struct has_size : std::false_type {};
template <class LessonlT>
struct has_size<LessonlT, typename always_void<decltype(std::declval<const LessonlT &>().size())>::type>
    : std::true_type {};
template <class LessonlT, class = void> struct is_unordered : std::false_type {};
template <class LessonlT>
struct is_unordered<LessonlT, typename always_void<typename LessonlT::hasher, typename LessonlT::key_type>::type>
    : std::true_type {};
template <class LessonlT, class = void> struct is_map : std::false_type {};
template <class LessonlT>
struct is_map<LessonlT, typename always_void<typename LessonlT::key_type, typename LessonlT::mapped_type>::type>
    : std::true_type {};
template <class LessonlT, class = void> struct is_iterator : std::false_type {};
template <class LessonlT>
struct is_iterator<LessonlT, typename always_void<typename LessonlT::iterator_category>::type> : std::true_type {};
template <class LessonlT, class = void> struct is_smart_pointer : std::false_type {};
template <class LessonlT>
struct is_smart_pointer<LessonlT, typename always_void<typename LessonlT::element_type,
                                                       decltype(std::declval<const LessonlT &>().get()),
                                                       decltype(*std::declval<const LessonlT &>())>::type>
    : std::true_type {};
template <class LessonlT, class = void> struct is_optional : std::false_type {};
template <class LessonlT>
struct is_optional<LessonlT, typename always_void<typename LessonlT::value_type,
                                                  decltype(std::declval<const LessonlT &>().has_value()),
                                                  decltype(*std::declval<const LessonlT &>())>::type>
    : std::true_type {};
template <class LessonlT, class = void> struct is_complex : std::false_type {};
template <class LessonlT>
struct is_complex<LessonlT, typename always_void<typename LessonlT::value_type,
                                                 decltype(std::declval<const LessonlT &>().real() +
                                                          std::declval<const LessonlT &>().imag())>::type>
    : std::integral_constant<bool, std::is_floating_point<typename LessonlT::value_type>::value> {};
template <class LessonlT, class = void> struct tuple_arity : std::integral_constant<int, -1> {};
template <class LessonlT>
struct tuple_arity<LessonlT, typename always_void<decltype(std::tuple_size<LessonlT>::value)>::type>
    : std::integral_constant<int, static_cast<int>(std::tuple_size<LessonlT>::value)> {};

/* ---- the floating magnitudes in a value (scales, see lessonl_close) ----
   What eq compares with a tolerance, walked by type: floating values, complex numbers, and what
   ranges, maps (their values), fixed arrays, pairs and tuples, optionals and smart pointers
   hold; containers only down to `scan_limit` levels. Nothing is compared or printed. */
template <class LessonlT> void scan(const LessonlT &lessonl_v, diff &lessonl_d);
template <class LessonlE> void scan_elements(const LessonlE *lessonl_p, long long lessonl_n, diff &lessonl_d) {
  for (long long lessonl_i = 0; lessonl_i < lessonl_n; ++lessonl_i) ::lessonl_rt::scan(lessonl_p[lessonl_i], lessonl_d);
}
inline void scan_elements(const double *lessonl_p, long long lessonl_n, diff &lessonl_d) {
  lessonl_scan_doubles(&lessonl_d.c, lessonl_p, lessonl_n);
}
inline void scan_elements(const float *lessonl_p, long long lessonl_n, diff &lessonl_d) {
  lessonl_scan_floats(&lessonl_d.c, lessonl_p, lessonl_n);
}
template <class LessonlE> void scan_span(const LessonlE *lessonl_p, long long lessonl_n, diff &lessonl_d) {
  if (lessonl_d.c.scan_level >= lessonl_d.c.scan_limit) return;
  ++lessonl_d.c.scan_level;
  ::lessonl_rt::scan_elements(lessonl_p, lessonl_n, lessonl_d);
  --lessonl_d.c.scan_level;
}
template <class LessonlT> void scan_impl(const LessonlT &, diff &, rank<0>) {}
template <class LessonlT>
typename std::enable_if<std::is_floating_point<LessonlT>::value>::type scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<8>) {
  lessonl_scan_add(&lessonl_d.c, lessonl_v);
}
template <class LessonlT>
typename std::enable_if<is_complex<LessonlT>::value>::type scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<8>) {
  lessonl_scan_add(&lessonl_d.c, lessonl_v.real());
  lessonl_scan_add(&lessonl_d.c, lessonl_v.imag());
}
template <class LessonlT>
typename std::enable_if<is_text<LessonlT>::value>::type scan_impl(const LessonlT &, diff &, rank<7>) {}
template <class LessonlT>
typename std::enable_if<is_map<LessonlT>::value && is_range<LessonlT>::value>::type
scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<6>) {
  if (lessonl_d.c.scan_level >= lessonl_d.c.scan_limit) return;
  ++lessonl_d.c.scan_level;
  for (auto lessonl_x = lessonl_v.begin(); lessonl_x != lessonl_v.end(); ++lessonl_x) ::lessonl_rt::scan(lessonl_x->second, lessonl_d);
  --lessonl_d.c.scan_level;
}
template <class LessonlT, class = void> struct float_storage : std::false_type {};
template <class LessonlT>
struct float_storage<LessonlT, typename always_void<decltype(std::declval<const LessonlT &>().data()),
                                                    decltype(std::declval<const LessonlT &>().size())>::type>
    : std::integral_constant<bool, std::is_same<decltype(std::declval<const LessonlT &>().data()), const double *>::value ||
                                       std::is_same<decltype(std::declval<const LessonlT &>().data()), const float *>::value> {};
/* std::vector<double>, std::array<float, N>...: their storage at once */
template <class LessonlT>
typename std::enable_if<is_range<LessonlT>::value && float_storage<LessonlT>::value>::type
scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<6>) {
  ::lessonl_rt::scan_span(lessonl_v.data(), static_cast<long long>(lessonl_v.size()), lessonl_d);
}
template <class LessonlT>
typename std::enable_if<is_range<LessonlT>::value>::type scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<5>) {
  if (lessonl_d.c.scan_level >= lessonl_d.c.scan_limit) return;
  ++lessonl_d.c.scan_level;
  for (auto lessonl_x = lessonl_v.begin(); lessonl_x != lessonl_v.end(); ++lessonl_x) ::lessonl_rt::scan(*lessonl_x, lessonl_d);
  --lessonl_d.c.scan_level;
}
template <class LessonlT, std::size_t LessonlN> void scan_impl(const LessonlT (&lessonl_v)[LessonlN], diff &lessonl_d, rank<5>) {
  ::lessonl_rt::scan_span(&lessonl_v[0], static_cast<long long>(LessonlN), lessonl_d);
}
template <int LessonlI, int LessonlN> struct tuple_scan {
  template <class LessonlT> static void run(const LessonlT &lessonl_v, diff &lessonl_d) {
    using std::get;
    ::lessonl_rt::scan(get<LessonlI>(lessonl_v), lessonl_d);
    tuple_scan<LessonlI + 1, LessonlN>::run(lessonl_v, lessonl_d);
  }
};
template <int LessonlN> struct tuple_scan<LessonlN, LessonlN> {
  template <class LessonlT> static void run(const LessonlT &, diff &) {}
};
template <class LessonlT>
typename std::enable_if<(tuple_arity<LessonlT>::value > 0) && !is_range<LessonlT>::value>::type
scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<4>) {
  tuple_scan<0, tuple_arity<LessonlT>::value>::run(lessonl_v, lessonl_d);
}
template <class LessonlT>
typename std::enable_if<(is_smart_pointer<LessonlT>::value || is_optional<LessonlT>::value) && !is_range<LessonlT>::value>::type
scan_impl(const LessonlT &lessonl_v, diff &lessonl_d, rank<3>) {
  if (lessonl_v) ::lessonl_rt::scan(*lessonl_v, lessonl_d);
}
template <class LessonlT> void scan(const LessonlT &lessonl_v, diff &lessonl_d) {
  ::lessonl_rt::scan_impl(lessonl_v, lessonl_d, rank<8>());
}

template <class LessonlT> struct tolerance {
  static const bool is_single = sizeof(LessonlT) < sizeof(double);
  static double rtol(const lessonl_site *lessonl_s) { return is_single ? lessonl_s->rtol32 : lessonl_s->rtol; }
  static double atol(const lessonl_site *lessonl_s) { return is_single ? lessonl_s->atol32 : lessonl_s->atol; }
  static long double eps() {
    return is_single ? __FLT_EPSILON__ : sizeof(LessonlT) == sizeof(double) ? __DBL_EPSILON__ : __LDBL_EPSILON__;
  }
};

/* Floating values: lessonl_close with the scale of what is compared (see there). */
template <class LessonlT>
typename std::enable_if<std::is_floating_point<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<12>) {
  const lessonl_site *lessonl_s = lessonl_d.c.site;
  int lessonl_r = lessonl_float_eq(&lessonl_d.c, lessonl_a, lessonl_b, tolerance<LessonlT>::rtol(lessonl_s),
                                   tolerance<LessonlT>::atol(lessonl_s), tolerance<LessonlT>::eps());
  return lessonl_r >= 0 ? lessonl_r != 0 : lessonl_d.differ(::lessonl_rt::show(lessonl_a), ::lessonl_rt::show(lessonl_b));
}
template <class LessonlT>
typename std::enable_if<std::is_integral<LessonlT>::value || std::is_enum<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<12>) {
  return lessonl_a == lessonl_b || lessonl_d.differ(::lessonl_rt::show(lessonl_a), ::lessonl_rt::show(lessonl_b));
}
template <class LessonlT>
typename std::enable_if<std::is_pointer<LessonlT>::value || std::is_member_pointer<LessonlT>::value ||
                            is_iterator<LessonlT>::value, bool>::type
eq_impl(const LessonlT &, const LessonlT &, diff &lessonl_d, rank<12>) {
  return lessonl_d.uncomparable("a pointer or iterator: the two versions' addresses differ");
}
/* Text: short strings whole; longer ones at their first differing character ("[i]", the text
   around it on both sides), or by their sizes when one is a prefix of the other. */
template <class LessonlT>
typename std::enable_if<is_text<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<11>) {
  if (lessonl_a == lessonl_b) return true;
  std::size_t lessonl_na = static_cast<std::size_t>(lessonl_a.size()), lessonl_nb = static_cast<std::size_t>(lessonl_b.size());
  if (lessonl_na <= 48 && lessonl_nb <= 48) return lessonl_d.differ(::lessonl_rt::show(lessonl_a), ::lessonl_rt::show(lessonl_b));
  std::size_t lessonl_n = lessonl_na < lessonl_nb ? lessonl_na : lessonl_nb, lessonl_i = 0;
  while (lessonl_i < lessonl_n && lessonl_a.data()[lessonl_i] == lessonl_b.data()[lessonl_i]) ++lessonl_i;
  if (lessonl_i == lessonl_n) {
    lessonl_d.differ(::lessonl_rt::number(lessonl_na), ::lessonl_rt::number(lessonl_nb));
    return lessonl_d.step(".size()");
  }
  lessonl_d.differ(::lessonl_rt::window(lessonl_a.data(), lessonl_na, lessonl_i),
                   ::lessonl_rt::window(lessonl_b.data(), lessonl_nb, lessonl_i));
  return lessonl_d.step("[" + ::lessonl_rt::number(lessonl_i) + "]");
}
/* Scan mode (see lessonl_diff) for the length of a scope: what the comparison had is kept. */
struct scan_scope {
  diff &d;
  int unc, steps;
  const char *why;
  scan_scope(diff &lessonl_d, int lessonl_limit)
      : d(lessonl_d), unc(lessonl_d.c.uncomparable), steps(lessonl_d.nsteps), why(lessonl_d.c.why) {
    lessonl_scan_begin(&d.c, lessonl_limit);
  }
  ~scan_scope() {
    d.c.scan = 0;
    d.c.uncomparable = unc;
    d.c.why = why;
    d.nsteps = steps;
  }
  scan_scope(const scan_scope &) = delete;
  scan_scope &operator=(const scan_scope &) = delete;
};

/* The largest finite floating magnitude in a value (a container, nested ones included). */
template <class LessonlT> long double scale_of(const LessonlT &lessonl_a, diff &lessonl_d) {
  scan_scope lessonl_s(lessonl_d, 1 << 20);
  ::lessonl_rt::scan(lessonl_a, lessonl_d);
  return lessonl_d.c.scan_max;
}
template <class LessonlE> long double scale_of_span(const LessonlE *lessonl_p, long long lessonl_n, diff &lessonl_d) {
  scan_scope lessonl_s(lessonl_d, 1 << 20);
  ::lessonl_rt::scan_span(lessonl_p, lessonl_n, lessonl_d);
  return lessonl_d.c.scan_max;
}

/* The comparison of one container: the outermost one (not inside another, not a 1-element
   span, which is a scalar) gets the scale of its floating values when an element first needs it
   (see lessonl_close); nested ones share it. */
struct container_scope {
  diff &d;
  long double saved;
  int steps;
  bool outer;
  container_scope(diff &lessonl_d, bool lessonl_scalar)
      : d(lessonl_d), saved(lessonl_d.c.scale), steps(lessonl_d.nsteps), outer(lessonl_d.c.nest == 0 && !lessonl_scalar) {
    ++d.c.nest;
    if (outer) d.c.scale = -1;
  }
  ~container_scope() {
    --d.c.nest;
    d.c.scale = saved;
  }
  container_scope(const container_scope &) = delete;
  container_scope &operator=(const container_scope &) = delete;
  /* After an element compared unequal: true when it only wanted the scale (set it, compare again). */
  bool needs_scale() {
    if (!outer || !d.c.want_scale) return false;
    d.c.want_scale = 0;
    d.nsteps = steps;
    return true;
  }
};

/* Characters of a span that differ read as the text around them. */
template <class LessonlE> void span_texts(diff &, const LessonlE *, const LessonlE *, long long, long long) {}
inline void span_texts(diff &lessonl_d, const char *lessonl_a, const char *lessonl_b, long long lessonl_n, long long lessonl_i) {
  if (!lessonl_d.c.found) return;
  lessonl_d.differ(::lessonl_rt::window(lessonl_a, static_cast<std::size_t>(lessonl_n), static_cast<std::size_t>(lessonl_i)),
                   ::lessonl_rt::window(lessonl_b, static_cast<std::size_t>(lessonl_n), static_cast<std::size_t>(lessonl_i)));
}

/* n elements, the original's first: "[i]" on a difference. */
/* Numbers without padding bytes: equal bytes are equal values. */
template <class LessonlE>
struct plain_number : std::integral_constant<bool, std::is_arithmetic<LessonlE>::value && !std::is_same<LessonlE, long double>::value> {};
template <class LessonlE> bool same_bytes(const LessonlE *, const LessonlE *, long long, std::false_type) { return false; }
template <class LessonlE> bool same_bytes(const LessonlE *lessonl_a, const LessonlE *lessonl_b, long long lessonl_n, std::true_type) {
  return lessonl_n > 0 && std::memcmp(static_cast<const void *>(lessonl_a), static_cast<const void *>(lessonl_b),
                                      static_cast<std::size_t>(lessonl_n) * sizeof(LessonlE)) == 0;
}

/* A container whose elements are plain numbers in contiguous storage (std::vector<double>). */
template <class LessonlT, class = void> struct plain_storage : std::false_type {};
template <class LessonlT>
struct plain_storage<LessonlT, typename std::enable_if<std::is_pointer<decltype(std::declval<const LessonlT &>().data())>::value,
                                                       typename always_void<decltype(std::declval<const LessonlT &>().size())>::type>::type>
    : plain_number<typename std::remove_cv<typename std::remove_pointer<decltype(std::declval<const LessonlT &>().data())>::type>::type> {};
template <class LessonlT> bool same_storage(const LessonlT &, const LessonlT &, std::false_type) { return false; }
template <class LessonlT> bool same_storage(const LessonlT &lessonl_a, const LessonlT &lessonl_b, std::true_type) {
  return lessonl_a.size() == lessonl_b.size() &&
         (lessonl_a.size() == 0 || ::lessonl_rt::same_bytes(lessonl_a.data(), lessonl_b.data(), static_cast<long long>(lessonl_a.size()),
                                                            std::true_type()));
}

template <class LessonlE> bool span_eq(const LessonlE *lessonl_a, const LessonlE *lessonl_b, long long lessonl_n, diff &lessonl_d) {
  if (::lessonl_rt::same_bytes(lessonl_a, lessonl_b, lessonl_n, plain_number<LessonlE>())) return true;
  container_scope lessonl_sc(lessonl_d, lessonl_n == 1);
  for (long long lessonl_i = 0; lessonl_i < lessonl_n; ++lessonl_i) {
    if (!::lessonl_rt::eq(lessonl_a[lessonl_i], lessonl_b[lessonl_i], lessonl_d)) {
      if (lessonl_sc.needs_scale()) {
        lessonl_d.c.scale = ::lessonl_rt::scale_of_span(lessonl_a, lessonl_n, lessonl_d);
        if (::lessonl_rt::eq(lessonl_a[lessonl_i], lessonl_b[lessonl_i], lessonl_d)) continue;
      }
      ::lessonl_rt::span_texts(lessonl_d, lessonl_a, lessonl_b, lessonl_n, lessonl_i);
      return lessonl_d.step("[" + ::lessonl_rt::number(static_cast<unsigned long long>(lessonl_i)) + "]");
    }
    if (lessonl_d.c.uncomparable) break;
  }
  return true;
}

template <class LessonlA, class LessonlB>
bool eq_impl(const std::pair<LessonlA, LessonlB> &lessonl_a, const std::pair<LessonlA, LessonlB> &lessonl_b, diff &lessonl_d,
             rank<11>) {
  if (!::lessonl_rt::eq(lessonl_a.first, lessonl_b.first, lessonl_d)) return lessonl_d.step(".first");
  if (!::lessonl_rt::eq(lessonl_a.second, lessonl_b.second, lessonl_d)) return lessonl_d.step(".second");
  return true;
}
template <class LessonlT>
typename std::enable_if<is_complex<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<11>) {
  if (!::lessonl_rt::eq(lessonl_a.real(), lessonl_b.real(), lessonl_d)) return lessonl_d.step(".real()");
  if (!::lessonl_rt::eq(lessonl_a.imag(), lessonl_b.imag(), lessonl_d)) return lessonl_d.step(".imag()");
  return true;
}
template <class LessonlT>
typename std::enable_if<is_smart_pointer<LessonlT>::value && !is_range<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<11>) {
  if (!lessonl_a.get() || !lessonl_b.get()) {
    if (!lessonl_a.get() == !lessonl_b.get()) return true;
    return lessonl_d.differ(lessonl_a.get() ? "(not null)" : "nullptr", lessonl_b.get() ? "(not null)" : "nullptr");
  }
  if (!::lessonl_rt::eq(*lessonl_a, *lessonl_b, lessonl_d)) return lessonl_d.step("(*%)");
  return true;
}
template <class LessonlT>
typename std::enable_if<is_optional<LessonlT>::value && !is_smart_pointer<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<11>) {
  if (lessonl_a.has_value() != lessonl_b.has_value()) {
    lessonl_d.differ(::lessonl_rt::show(lessonl_a.has_value()), ::lessonl_rt::show(lessonl_b.has_value()));
    return lessonl_d.step(".has_value()");
  }
  if (lessonl_a.has_value() && !::lessonl_rt::eq(*lessonl_a, *lessonl_b, lessonl_d)) return lessonl_d.step(".value()");
  return true;
}
template <class LessonlT>
typename std::enable_if<is_unordered<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<10>) {
  if (lessonl_a.size() != lessonl_b.size()) {
    lessonl_d.differ(::lessonl_rt::number(lessonl_a.size()), ::lessonl_rt::number(lessonl_b.size()));
    return lessonl_d.step(".size()");
  }
  if (lessonl_a == lessonl_b) return true;
  return lessonl_d.differ("(" + ::lessonl_rt::number(lessonl_a.size()) + " elements)",
                          "(" + ::lessonl_rt::number(lessonl_b.size()) + " elements, not the same ones)");
}
template <class LessonlT>
typename std::enable_if<is_map<LessonlT>::value && !is_unordered<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<9>) {
  if (lessonl_a.size() != lessonl_b.size()) {
    lessonl_d.differ(::lessonl_rt::number(lessonl_a.size()), ::lessonl_rt::number(lessonl_b.size()));
    return lessonl_d.step(".size()");
  }
  container_scope lessonl_sc(lessonl_d, false);
  unsigned long long lessonl_i = 0;
  typename LessonlT::const_iterator lessonl_x = lessonl_a.begin(), lessonl_y = lessonl_b.begin();
  for (; lessonl_x != lessonl_a.end(); ++lessonl_x, ++lessonl_y, ++lessonl_i) {
    if (!::lessonl_rt::eq(lessonl_x->first, lessonl_y->first, lessonl_d))
      return lessonl_d.step("std::next(%.begin(), " + ::lessonl_rt::number(lessonl_i) + ")->first");
    if (!::lessonl_rt::eq(lessonl_x->second, lessonl_y->second, lessonl_d)) {
      if (lessonl_sc.needs_scale()) {
        lessonl_d.c.scale = ::lessonl_rt::scale_of(lessonl_a, lessonl_d);
        if (::lessonl_rt::eq(lessonl_x->second, lessonl_y->second, lessonl_d)) continue;
      }
      return lessonl_d.step("[" + ::lessonl_rt::show(lessonl_x->first) + "]");
    }
  }
  return true;
}
template <class LessonlT>
typename std::enable_if<is_range<LessonlT>::value && !is_map<LessonlT>::value && !is_unordered<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<8>) {
  typedef typename std::iterator_traits<decltype(lessonl_a.begin())>::iterator_category lessonl_cat;
  const bool lessonl_indexed = std::is_base_of<std::random_access_iterator_tag, lessonl_cat>::value;
  if (::lessonl_rt::same_storage(lessonl_a, lessonl_b, plain_storage<LessonlT>())) return true;
  unsigned long long lessonl_na = 0, lessonl_nb = 0, lessonl_i = 0;
  for (auto lessonl_x = lessonl_a.begin(); lessonl_x != lessonl_a.end(); ++lessonl_x) ++lessonl_na;
  for (auto lessonl_y = lessonl_b.begin(); lessonl_y != lessonl_b.end(); ++lessonl_y) ++lessonl_nb;
  if (lessonl_na != lessonl_nb) {
    lessonl_d.differ(::lessonl_rt::number(lessonl_na), ::lessonl_rt::number(lessonl_nb));
    return lessonl_d.step(".size()");
  }
  container_scope lessonl_sc(lessonl_d, false);
  auto lessonl_y = lessonl_b.begin();
  for (auto lessonl_x = lessonl_a.begin(); lessonl_x != lessonl_a.end(); ++lessonl_x, ++lessonl_y, ++lessonl_i) {
    if (!::lessonl_rt::eq(*lessonl_x, *lessonl_y, lessonl_d)) {
      if (lessonl_sc.needs_scale()) {
        lessonl_d.c.scale = ::lessonl_rt::scale_of(lessonl_a, lessonl_d);
        if (::lessonl_rt::eq(*lessonl_x, *lessonl_y, lessonl_d)) continue;
      }
      return lessonl_d.step(lessonl_indexed ? "[" + ::lessonl_rt::number(lessonl_i) + "]"
                                            : "*std::next(%.begin(), " + ::lessonl_rt::number(lessonl_i) + ")");
    }
    if (lessonl_d.c.uncomparable) return true;
  }
  return true;
}
template <class LessonlT, std::size_t LessonlN>
bool eq_impl(const LessonlT (&lessonl_a)[LessonlN], const LessonlT (&lessonl_b)[LessonlN], diff &lessonl_d, rank<8>) {
  return ::lessonl_rt::span_eq(&lessonl_a[0], &lessonl_b[0], static_cast<long long>(LessonlN), lessonl_d);
}

template <int LessonlI, int LessonlN> struct tuple_eq {
  template <class LessonlT> static bool run(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d) {
    using std::get;
    if (!::lessonl_rt::eq(get<LessonlI>(lessonl_a), get<LessonlI>(lessonl_b), lessonl_d))
      return lessonl_d.step("std::get<" + ::lessonl_rt::number(LessonlI) + ">(%)");
    return tuple_eq<LessonlI + 1, LessonlN>::run(lessonl_a, lessonl_b, lessonl_d);
  }
};
template <int LessonlN> struct tuple_eq<LessonlN, LessonlN> {
  template <class LessonlT> static bool run(const LessonlT &, const LessonlT &, diff &) { return true; }
};
template <class LessonlT>
typename std::enable_if<(tuple_arity<LessonlT>::value >= 0) && !is_range<LessonlT>::value, bool>::type
eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<7>) {
  return tuple_eq<0, tuple_arity<LessonlT>::value>::run(lessonl_a, lessonl_b, lessonl_d);
}
template <class LessonlT>
auto eq_impl(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d, rank<4>)
    -> decltype(static_cast<bool>(lessonl_a == lessonl_b), bool()) {
  return static_cast<bool>(lessonl_a == lessonl_b) || lessonl_d.differ(::lessonl_rt::show(lessonl_a), ::lessonl_rt::show(lessonl_b));
}
template <class LessonlT> bool eq_impl(const LessonlT &, const LessonlT &, diff &lessonl_d, rank<0>) {
  return lessonl_d.uncomparable("its type has no operator== and is not a container");
}
template <class LessonlT> bool eq(const LessonlT &lessonl_a, const LessonlT &lessonl_b, diff &lessonl_d) {
  return ::lessonl_rt::eq_impl(lessonl_a, lessonl_b, lessonl_d, rank<12>());
}

/* ---- copies for the original ---- */

template <class LessonlA> const char *address_of(LessonlA *lessonl_p) {
  return static_cast<const char *>(const_cast<const void *>(static_cast<const volatile void *>(lessonl_p)));
}

inline bool overlaps(const char *lessonl_p, std::size_t lessonl_n, const char *lessonl_q, std::size_t lessonl_m) {
  return lessonl_overlap(lessonl_p, lessonl_n, lessonl_q, lessonl_m) != 0;
}

/* What the caller's argument of an output owns, as far as the wrapper can see: its own bytes and
   its contiguous storage (data(), size()). */
template <class LessonlT, class = void> struct has_storage : std::false_type {};
template <class LessonlT>
struct has_storage<LessonlT, typename always_void<decltype(std::declval<const LessonlT &>().size()),
                                                  typename std::enable_if<std::is_pointer<decltype(
                                                      std::declval<const LessonlT &>().data())>::value>::type>::type>
    : std::is_object<typename std::remove_pointer<decltype(std::declval<const LessonlT &>().data())>::type> {};
template <class LessonlT> bool storage_holds(const LessonlT &, const char *, std::size_t, std::false_type) { return false; }
template <class LessonlT>
bool storage_holds(const LessonlT &lessonl_x, const char *lessonl_p, std::size_t lessonl_n, std::true_type) {
  typedef typename std::remove_pointer<decltype(lessonl_x.data())>::type lessonl_e;
  return ::lessonl_rt::overlaps(lessonl_p, lessonl_n, ::lessonl_rt::address_of(lessonl_x.data()),
                                static_cast<std::size_t>(lessonl_x.size()) * sizeof(lessonl_e));
}
template <class LessonlT> bool owns(const LessonlT &lessonl_x, const char *lessonl_p, std::size_t lessonl_n) {
  return ::lessonl_rt::overlaps(lessonl_p, lessonl_n, ::lessonl_rt::address_of(&lessonl_x), sizeof(LessonlT)) ||
         ::lessonl_rt::storage_holds(lessonl_x, lessonl_p, lessonl_n, has_storage<LessonlT>());
}

/* One argument's floating magnitudes (the input scale, see lessonl_close). */
template <class LessonlT> void scan_value(diff &lessonl_d, const LessonlT &lessonl_v, std::true_type) {
  ::lessonl_rt::scan(lessonl_v, lessonl_d);
}
template <class LessonlT> void scan_value(diff &, const LessonlT &, std::false_type) {}
template <class LessonlT> void scan_value(diff &lessonl_d, const LessonlT &lessonl_v) {
  ::lessonl_rt::scan_value(lessonl_d, lessonl_v, std::integral_constant<bool, std::is_object<LessonlT>::value>());
}

/* Byte for byte the same: a number, or contiguous storage of numbers (a vector, a string); the
   quick answer for a snapshot, which is a copy made before the call. */
template <class LessonlT, class = void> struct plain_bytes : std::is_arithmetic<LessonlT> {};
template <class LessonlT>
struct plain_bytes<LessonlT, typename std::enable_if<has_storage<LessonlT>::value>::type>
    : std::is_arithmetic<typename std::remove_cv<typename std::remove_pointer<decltype(
          std::declval<const LessonlT &>().data())>::type>::type> {};
template <class LessonlT>
bool bytes_equal(const LessonlT &lessonl_a, const LessonlT &lessonl_b, std::true_type, std::false_type) {
  return std::memcmp(static_cast<const void *>(&lessonl_a), static_cast<const void *>(&lessonl_b), sizeof(LessonlT)) == 0;
}
template <class LessonlT>
bool bytes_equal(const LessonlT &lessonl_a, const LessonlT &lessonl_b, std::true_type, std::true_type) {
  typedef typename std::remove_pointer<decltype(lessonl_a.data())>::type lessonl_e;
  std::size_t lessonl_n = static_cast<std::size_t>(lessonl_a.size());
  return lessonl_n == static_cast<std::size_t>(lessonl_b.size()) &&
         (lessonl_n == 0 || std::memcmp(static_cast<const void *>(lessonl_a.data()), static_cast<const void *>(lessonl_b.data()),
                                        lessonl_n * sizeof(lessonl_e)) == 0);
}
template <class LessonlT> bool bytes_equal(const LessonlT &, const LessonlT &, std::false_type) { return false; }
template <class LessonlT>
bool bytes_equal(const LessonlT &lessonl_a, const LessonlT &lessonl_b, std::true_type) {
  return ::lessonl_rt::bytes_equal(lessonl_a, lessonl_b, std::true_type(), has_storage<LessonlT>());
}
template <class LessonlT> bool bytes_equal(const LessonlT &lessonl_a, const LessonlT &lessonl_b) {
  return ::lessonl_rt::bytes_equal(lessonl_a, lessonl_b, plain_bytes<LessonlT>());
}

/* Whether a read-only input still equals its snapshot (a difference LessonL cannot judge: no). */
template <class LessonlT> bool same(const LessonlT &lessonl_a, const LessonlT &lessonl_b, lessonl_site *lessonl_s) {
  if (::lessonl_rt::bytes_equal(lessonl_a, lessonl_b)) return true;
  diff lessonl_d(lessonl_s, 0);
  return ::lessonl_rt::eq(lessonl_a, lessonl_b, lessonl_d) && !lessonl_d.c.uncomparable;
}

/* A read-only input after both versions ran, against its snapshot from before (the original
   leaves it unchanged, so its value is the snapshot's); one LessonL cannot compare is left alone. */
inline void compare_unchanged(diff &lessonl_d, bool lessonl_equal, int lessonl_bit, const char *lessonl_what) {
  if (lessonl_d.c.uncomparable) {
    lessonl_d.c.uncomparable = 0;
    return;
  }
  lessonl_d.root(lessonl_equal, lessonl_bit, lessonl_what);
}

/* Copy-constructible, containers' elements included: std::vector<std::unique_ptr<T>> claims a
   copy constructor it cannot instantiate. */
template <class LessonlT, class = void> struct copyable : std::is_copy_constructible<LessonlT> {};
template <class LessonlT>
struct copyable<LessonlT, typename std::enable_if<is_range<LessonlT>::value && !is_text<LessonlT>::value,
                                                  typename always_void<typename LessonlT::value_type>::type>::type>
    : std::integral_constant<bool, std::is_copy_constructible<LessonlT>::value &&
                                       copyable<typename std::remove_cv<typename LessonlT::value_type>::type>::value> {};

template <class LessonlD, bool = copyable<LessonlD>::value> struct holder {
  static const bool copies = false;
  explicit holder(const LessonlD &) {}
  LessonlD *get() { return 0; }
};
template <class LessonlD> struct holder<LessonlD, true> {
  static const bool copies = true;
  LessonlD value;
  explicit holder(const LessonlD &lessonl_v) : value(lessonl_v) {}
  LessonlD *get() { return &value; }
};
template <class LessonlE, std::size_t LessonlN> struct holder<LessonlE[LessonlN], false> {
  static const bool copies = std::is_trivially_copyable<LessonlE>::value;
  typedef LessonlE lessonl_array[LessonlN];
  lessonl_array value;
  explicit holder(const lessonl_array &lessonl_v) {
    if (copies) std::memcpy(static_cast<void *>(&value), static_cast<const void *>(&lessonl_v), sizeof value);
  }
  lessonl_array *get() { return copies ? &value : 0; }
};

/* A few blocks kept per thread between calls (freed when the thread ends): copies of large
   arrays taken on every call would otherwise make glibc hand memory back to the system and
   fault it in again on each call. Blocks are 64-byte aligned. */
struct block_cache {
  void *block[4];
  std::size_t size[4];
  block_cache() {
    for (int lessonl_i = 0; lessonl_i < 4; ++lessonl_i) {
      block[lessonl_i] = 0;
      size[lessonl_i] = 0;
    }
  }
  ~block_cache() {
    for (int lessonl_i = 0; lessonl_i < 4; ++lessonl_i) free(block[lessonl_i]);
  }
  block_cache(const block_cache &) = delete;
  block_cache &operator=(const block_cache &) = delete;
  void *take(std::size_t lessonl_n, std::size_t *lessonl_cap) {
    int lessonl_best = -1;
    for (int lessonl_i = 0; lessonl_i < 4; ++lessonl_i)
      if (block[lessonl_i] && size[lessonl_i] >= lessonl_n && (lessonl_best < 0 || size[lessonl_i] < size[lessonl_best]))
        lessonl_best = lessonl_i;
    if (lessonl_best >= 0) {
      void *lessonl_p = block[lessonl_best];
      *lessonl_cap = size[lessonl_best];
      block[lessonl_best] = 0;
      size[lessonl_best] = 0;
      return lessonl_p;
    }
    void *lessonl_p = 0;
    std::size_t lessonl_bytes = lessonl_n < 64 ? 64 : lessonl_n;
    if (posix_memalign(&lessonl_p, 64, lessonl_bytes) != 0) return 0;
    *lessonl_cap = lessonl_bytes;
    return lessonl_p;
  }
  void give(void *lessonl_p, std::size_t lessonl_cap) {
    int lessonl_at = -1;
    for (int lessonl_i = 0; lessonl_i < 4 && lessonl_at < 0; ++lessonl_i)
      if (!block[lessonl_i]) lessonl_at = lessonl_i;
    if (lessonl_at < 0) { /* all four kept: the smallest goes, unless this one is smaller still */
      lessonl_at = 0;
      for (int lessonl_i = 1; lessonl_i < 4; ++lessonl_i)
        if (size[lessonl_i] < size[lessonl_at]) lessonl_at = lessonl_i;
      if (size[lessonl_at] >= lessonl_cap) {
        free(lessonl_p);
        return;
      }
      free(block[lessonl_at]);
    }
    block[lessonl_at] = lessonl_p;
    size[lessonl_at] = lessonl_cap;
  }
};
inline block_cache &blocks() {
  static thread_local block_cache lessonl_c;
  return lessonl_c;
}

/* The snapshot of a read-only input: kind 0 none, 1 a copy (holder), 2 the raw bytes of a
   container of plain numbers (std::vector<double>) in a cached block. */
template <class LessonlT, int LessonlK> struct snapshot {
  bool held() const { return false; }
  void scan(diff &) const {}
  void take(const LessonlT &) {}
  void release() {}
  bool unchanged(const LessonlT &, lessonl_site *) const { return true; }
  void compare(diff &, const LessonlT &, int, const char *) const {}
};
template <class LessonlT> struct snapshot<LessonlT, 1> {
  holder<LessonlT> *copy;
  snapshot() : copy(0) {}
  ~snapshot() { release(); }
  snapshot(const snapshot &) = delete;
  snapshot &operator=(const snapshot &) = delete;
  bool held() const { return copy != 0; }
  void scan(diff &lessonl_d) const { ::lessonl_rt::scan_value(lessonl_d, *const_cast<const LessonlT *>(copy->get())); }
  void take(const LessonlT &lessonl_v) { copy = new holder<LessonlT>(lessonl_v); }
  void release() {
    delete copy;
    copy = 0;
  }
  bool unchanged(const LessonlT &lessonl_v, lessonl_site *lessonl_s) const {
    return ::lessonl_rt::same(*const_cast<const LessonlT *>(copy->get()), lessonl_v, lessonl_s);
  }
  void compare(diff &lessonl_d, const LessonlT &lessonl_v, int lessonl_bit, const char *lessonl_what) const {
    const LessonlT &lessonl_before = *copy->get();
    if (::lessonl_rt::bytes_equal(lessonl_before, lessonl_v)) return;
    ::lessonl_rt::compare_unchanged(lessonl_d, ::lessonl_rt::eq(lessonl_before, lessonl_v, lessonl_d), lessonl_bit, lessonl_what);
  }
};
template <class LessonlT> struct snapshot<LessonlT, 2> {
  typedef typename std::remove_cv<typename std::remove_pointer<decltype(std::declval<const LessonlT &>().data())>::type>::type
      lessonl_e;
  lessonl_e *data;
  std::size_t n, cap;
  snapshot() : data(0), n(0), cap(0) {}
  ~snapshot() { release(); }
  snapshot(const snapshot &) = delete;
  snapshot &operator=(const snapshot &) = delete;
  bool held() const { return data != 0; }
  void scan(diff &lessonl_d) const { ::lessonl_rt::scan_span(const_cast<const lessonl_e *>(data), static_cast<long long>(n), lessonl_d); }
  void take(const LessonlT &lessonl_v) {
    n = static_cast<std::size_t>(lessonl_v.size());
    data = static_cast<lessonl_e *>(::lessonl_rt::blocks().take(n * sizeof(lessonl_e), &cap));
    if (data && n) std::memcpy(static_cast<void *>(data), static_cast<const void *>(lessonl_v.data()), n * sizeof(lessonl_e));
  }
  void release() {
    if (data) ::lessonl_rt::blocks().give(data, cap);
    data = 0;
  }
  bool unchanged(const LessonlT &lessonl_v, lessonl_site *) const {
    return static_cast<std::size_t>(lessonl_v.size()) == n &&
           (n == 0 || std::memcmp(static_cast<const void *>(data), static_cast<const void *>(lessonl_v.data()), n * sizeof(lessonl_e)) == 0);
  }
  void compare(diff &lessonl_d, const LessonlT &lessonl_v, int lessonl_bit, const char *lessonl_what) const {
    if (unchanged(lessonl_v, 0)) return;
    if (static_cast<std::size_t>(lessonl_v.size()) != n) {
      lessonl_d.differ(::lessonl_rt::number(n), ::lessonl_rt::number(static_cast<unsigned long long>(lessonl_v.size())));
      lessonl_d.step(".size()");
      lessonl_d.root(false, lessonl_bit, lessonl_what);
      return;
    }
    ::lessonl_rt::compare_unchanged(
        lessonl_d, ::lessonl_rt::span_eq(const_cast<const lessonl_e *>(data), lessonl_v.data(), static_cast<long long>(n), lessonl_d),
        lessonl_bit, lessonl_what);
  }
};

enum { in_kind = 0, out_kind = 1, moved_kind = 2 };
template <class LessonlP> struct kind_of {
  typedef typename std::remove_reference<LessonlP>::type lessonl_r;
  static const int value = std::is_function<lessonl_r>::value || std::is_const<lessonl_r>::value ? in_kind
                           : std::is_lvalue_reference<LessonlP>::value                           ? out_kind
                           : std::is_rvalue_reference<LessonlP>::value                           ? moved_kind
                                                                                                  : in_kind;
};

inline bool unready(lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what) {
  lessonl_uncompared(lessonl_s, lessonl_bit, lessonl_what, "cannot be copied: its type has no copy constructor");
  return false;
}

/* One parameter as the wrapper sees it (`LessonlP` is decltype(param)): what the original
   gets, and after both ran, the comparison of the original's copy with the caller's argument.
   Every slot also answers: scan (the argument's floating magnitudes, for the input scale),
   float_out (a floating scalar output), holds (whether the caller's argument of an output owns
   some bytes), and, for read-only inputs, watch (snapshot), spare (drop the snapshot of what an
   output owns: it may change legitimately), settle (drop it when the original changed the input). */
template <class LessonlP, int LessonlK = kind_of<LessonlP>::value> struct slot;

/* Read-only: by value (the wrapper's own, nothing to compare) or a const reference, which is
   snapshot before the call and compared with the caller's object after both versions ran. */
template <class LessonlP> struct slot<LessonlP, in_kind> {
  typedef typename std::remove_reference<LessonlP>::type lessonl_r;
  typedef typename std::remove_cv<lessonl_r>::type elem;
  /* by value and not copyable: never called (ready() is false), but it must compile */
  typedef typename std::conditional<std::is_rvalue_reference<LessonlP>::value ||
                                        (!std::is_reference<LessonlP>::value && !std::is_copy_constructible<elem>::value),
                                    lessonl_r &&, lessonl_r &>::type lessonl_pass;
  static const bool watchable = std::is_reference<LessonlP>::value && std::is_object<lessonl_r>::value &&
                                holder<elem>::copies && !std::is_pointer<elem>::value &&
                                !std::is_member_pointer<elem>::value;
  static const int snap_kind = !watchable ? 0 : plain_storage<elem>::value && !is_text<elem>::value ? 2 : 1;
  typedef std::integral_constant<bool, watchable> lessonl_watch;
  lessonl_r *caller;
  lessonl_r *orig;
  bool redirected, stale;
  snapshot<elem, snap_kind> snap;
  explicit slot(lessonl_r &lessonl_v) : caller(&lessonl_v), orig(&lessonl_v), redirected(false), stale(false) {}
  slot(const slot &) = delete;
  slot &operator=(const slot &) = delete;
  bool ready(lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what) const {
    return std::is_reference<LessonlP>::value || std::is_copy_constructible<elem>::value ||
           ::lessonl_rt::unready(lessonl_s, lessonl_bit, lessonl_what);
  }
  lessonl_pass for_orig() { return static_cast<lessonl_pass>(*orig); }
  long long extent() const { return 1; }
  elem *copy() const { return orig == caller ? 0 : const_cast<elem *>(orig); }
  void scan(diff &lessonl_d) const { ::lessonl_rt::scan_value(lessonl_d, *caller); }
  bool kept() const { return snap.held(); }
  void scan_kept(diff &lessonl_d) const { snap.scan(lessonl_d); }
  bool float_out() const { return false; }
  bool float_out_differs() const { return false; }
  bool holds(const char *, std::size_t) const { return false; }
  void watch() {
    if (!redirected) snap.take(*caller);
  }
  template <class LessonlO> void spare(const LessonlO &lessonl_out) { spare(lessonl_out, lessonl_watch()); }
  template <class LessonlO> void spare(const LessonlO &, std::false_type) {}
  template <class LessonlO> void spare(const LessonlO &lessonl_out, std::true_type) {
    if (snap.held() && lessonl_out.holds(::lessonl_rt::address_of(caller), sizeof(lessonl_r))) snap.release();
  }
  /* the original changed it (through another argument, or a cast): then nothing to hold the rewrite to */
  void settle(lessonl_site *lessonl_s) {
    if (snap.held() && !snap.unchanged(*caller, lessonl_s)) stale = true;
  }
  void compare(diff &lessonl_d, int lessonl_bit, const char *lessonl_what) {
    if (snap.held() && !stale && !lessonl_d.c.found) snap.compare(lessonl_d, *caller, lessonl_bit, lessonl_what);
  }
};

/* The parts every written slot shares: no snapshot of its own. */
struct written {
  void watch() {}
  template <class LessonlO> void spare(const LessonlO &) {}
  void settle(lessonl_site *) {}
  bool kept() const { return false; }
  void scan_kept(diff &) const {}
};

/* A non-const lvalue reference: the original gets a copy, compared with the caller's one after. */
template <class LessonlP> struct slot<LessonlP, out_kind> : written {
  typedef typename std::remove_reference<LessonlP>::type lessonl_r;
  typedef typename std::remove_cv<lessonl_r>::type elem;
  lessonl_r *caller;
  holder<elem> held;
  elem *orig;
  bool redirected;
  explicit slot(lessonl_r &lessonl_v) : caller(&lessonl_v), held(lessonl_v), orig(held.get()), redirected(false) {
    if (!orig) orig = const_cast<elem *>(caller);
  }
  bool ready(lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what) const {
    return holder<elem>::copies || ::lessonl_rt::unready(lessonl_s, lessonl_bit, lessonl_what);
  }
  elem &for_orig() { return *orig; }
  long long extent() const { return 1; }
  elem *copy() const { return orig == caller ? 0 : orig; }
  void scan(diff &lessonl_d) const { ::lessonl_rt::scan_value(lessonl_d, *caller); }
  bool float_out() const { return std::is_floating_point<elem>::value || is_complex<elem>::value; }
  bool float_out_differs() const {
    return float_out() && orig != caller &&
           std::memcmp(static_cast<const void *>(orig), static_cast<const void *>(caller), sizeof(elem)) != 0;
  }
  bool holds(const char *lessonl_p, std::size_t lessonl_n) const { return ::lessonl_rt::owns(*caller, lessonl_p, lessonl_n); }
  void compare(diff &lessonl_d, int lessonl_bit, const char *lessonl_what) {
    if (lessonl_d.c.found || orig == caller) return;
    lessonl_d.root(::lessonl_rt::eq(*const_cast<const elem *>(orig), *const_cast<const elem *>(caller), lessonl_d), lessonl_bit, lessonl_what);
  }
};

/* A non-const rvalue reference: the original gets (and may consume) a copy; not compared. */
template <class LessonlP> struct slot<LessonlP, moved_kind> : written {
  typedef typename std::remove_reference<LessonlP>::type lessonl_r;
  typedef typename std::remove_cv<lessonl_r>::type elem;
  lessonl_r *caller;
  holder<elem> held;
  elem *orig;
  bool redirected;
  explicit slot(lessonl_r &lessonl_v) : caller(&lessonl_v), held(lessonl_v), orig(held.get()), redirected(false) {
    if (!orig) orig = const_cast<elem *>(caller);
  }
  bool ready(lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what) const {
    return holder<elem>::copies || ::lessonl_rt::unready(lessonl_s, lessonl_bit, lessonl_what);
  }
  elem &&for_orig() { return static_cast<elem &&>(*orig); }
  long long extent() const { return 1; }
  elem *copy() const { return orig == caller ? 0 : orig; }
  void scan(diff &lessonl_d) const { ::lessonl_rt::scan_value(lessonl_d, *caller); }
  bool float_out() const { return false; }
  bool holds(const char *lessonl_p, std::size_t lessonl_n) const { return ::lessonl_rt::owns(*caller, lessonl_p, lessonl_n); }
  void compare(diff &, int, const char *) {}
};

/* A pointer parameter with `count` elements (negative: unknown). A pointer to non-const with
   a known count gets a copy; a pointer to const with a known count, a snapshot (like a const
   reference); otherwise both versions get the same pointer. */
template <class LessonlT> struct unrestrict { typedef LessonlT type; };
template <class LessonlT> struct unrestrict<LessonlT *__restrict__> { typedef LessonlT *type; };
template <class LessonlT> struct unrestrict<LessonlT *const __restrict__> { typedef LessonlT *type; };

template <class LessonlP> struct ptr_slot {
  typedef typename std::remove_cv<typename unrestrict<LessonlP>::type>::type lessonl_ptr;
  typedef typename std::remove_pointer<lessonl_ptr>::type lessonl_e;
  typedef typename std::remove_cv<lessonl_e>::type elem;
  static const bool writable = !std::is_const<lessonl_e>::value && std::is_object<lessonl_e>::value;
  static const bool trivial = std::is_object<lessonl_e>::value && std::is_trivially_copyable<elem>::value;
  static const bool copies = writable && (trivial || ::lessonl_rt::copyable<elem>::value);
  static const bool watchable = !writable && std::is_object<lessonl_e>::value && !std::is_pointer<elem>::value &&
                                !std::is_member_pointer<elem>::value && (trivial || ::lessonl_rt::copyable<elem>::value);
  typedef std::integral_constant<bool, copies> lessonl_copies;
  typedef std::integral_constant<bool, watchable> lessonl_watch;
  typedef std::integral_constant<bool, std::is_object<lessonl_e>::value> lessonl_object;
  lessonl_ptr caller;
  lessonl_ptr orig;
  long long count;
  elem *buffer;
  elem *snap;
  std::size_t buffer_cap, snap_cap;
  bool redirected, stale;
  ptr_slot(lessonl_ptr lessonl_p, long long lessonl_n)
      : caller(lessonl_p), orig(lessonl_p), count(lessonl_n), buffer(0), snap(0), buffer_cap(0), snap_cap(0), redirected(false),
        stale(false) {
    make(lessonl_copies());
  }
  ptr_slot(const ptr_slot &) = delete;
  ptr_slot &operator=(const ptr_slot &) = delete;
  /* `count` elements of uninitialised memory, aligned for elem (0 when it cannot be had): a
     cached block, or for an over-aligned type its own (then `*cap` is 0) */
  elem *allocate(std::size_t *lessonl_cap) const {
    std::size_t lessonl_bytes = sizeof(elem) * static_cast<std::size_t>(count);
    if (alignof(elem) <= 64) return static_cast<elem *>(::lessonl_rt::blocks().take(lessonl_bytes, lessonl_cap));
    void *lessonl_mem = 0;
    *lessonl_cap = 0;
    if (posix_memalign(&lessonl_mem, alignof(elem), lessonl_bytes) != 0) return 0;
    return static_cast<elem *>(lessonl_mem);
  }
  static void give_back(elem *lessonl_p, std::size_t lessonl_cap) {
    if (lessonl_cap) ::lessonl_rt::blocks().give(lessonl_p, lessonl_cap);
    else free(lessonl_p);
  }
  void fill(elem *lessonl_to, std::true_type) const {
    std::size_t lessonl_bytes = sizeof(elem) * static_cast<std::size_t>(count);
    std::memcpy(static_cast<void *>(lessonl_to), static_cast<const void *>(caller), lessonl_bytes);
  }
  void fill(elem *lessonl_to, std::false_type) const {
    for (long long lessonl_i = 0; lessonl_i < count; ++lessonl_i)
      ::new (static_cast<void *>(lessonl_to + lessonl_i)) elem(caller[lessonl_i]);
  }
  void destroy(elem *, std::true_type) const {}
  void destroy(elem *lessonl_p, std::false_type) const {
    for (long long lessonl_i = 0; lessonl_i < count; ++lessonl_i) lessonl_p[lessonl_i].~elem();
  }
  void make(std::false_type) {}
  void make(std::true_type) {
    if (!caller || count <= 0) return;
    buffer = allocate(&buffer_cap);
    if (!buffer) return;
    fill(buffer, std::integral_constant<bool, trivial>());
    orig = buffer;
  }
  ~ptr_slot() {
    release(lessonl_copies());
    drop(lessonl_watch());
  }
  void release(std::false_type) {}
  void release(std::true_type) {
    if (!buffer) return;
    destroy(buffer, std::integral_constant<bool, trivial>());
    give_back(buffer, buffer_cap);
  }
  bool ready(lessonl_site *lessonl_s, int lessonl_bit, const char *lessonl_what) const {
    return !writable || count <= 0 || !caller || buffer || ::lessonl_rt::unready(lessonl_s, lessonl_bit, lessonl_what);
  }
  lessonl_ptr for_orig() { return orig; }
  long long extent() const { return count; }
  elem *copy() const { return orig == caller ? 0 : const_cast<elem *>(orig); }
  std::size_t bytes() const { return count > 0 ? static_cast<std::size_t>(count) * sizeof(elem) : 0; }
  void scan(diff &lessonl_d) const { scan(lessonl_d, lessonl_object()); }
  void scan(diff &, std::false_type) const {}
  void scan(diff &lessonl_d, std::true_type) const {
    if (caller && count > 0) ::lessonl_rt::scan_span(const_cast<const elem *>(caller), count, lessonl_d);
  }
  bool float_out() const {
    return writable && count == 1 && (std::is_floating_point<elem>::value || is_complex<elem>::value);
  }
  bool float_out_differs() const {
    return float_out() && orig != caller &&
           std::memcmp(static_cast<const void *>(orig), static_cast<const void *>(caller), sizeof(elem)) != 0;
  }
  bool kept() const { return snap != 0; }
  void scan_kept(diff &lessonl_d) const {
    if (snap) ::lessonl_rt::scan_span(const_cast<const elem *>(snap), count, lessonl_d);
  }
  bool holds(const char *lessonl_p, std::size_t lessonl_n) const { return holds(lessonl_p, lessonl_n, lessonl_object()); }
  bool holds(const char *, std::size_t, std::false_type) const { return false; }
  bool holds(const char *lessonl_p, std::size_t lessonl_n, std::true_type) const {
    return caller && ::lessonl_rt::overlaps(lessonl_p, lessonl_n, ::lessonl_rt::address_of(caller), bytes());
  }
  void drop(std::false_type) {}
  void drop(std::true_type) {
    if (!snap) return;
    destroy(snap, std::integral_constant<bool, trivial>());
    give_back(snap, snap_cap);
    snap = 0;
  }
  void watch() { watch(lessonl_watch()); }
  void watch(std::false_type) {}
  void watch(std::true_type) {
    if (redirected || !caller || count <= 0) return;
    snap = allocate(&snap_cap);
    if (snap) fill(snap, std::integral_constant<bool, trivial>());
  }
  template <class LessonlO> void spare(const LessonlO &lessonl_out) { spare(lessonl_out, lessonl_watch()); }
  template <class LessonlO> void spare(const LessonlO &, std::false_type) {}
  template <class LessonlO> void spare(const LessonlO &lessonl_out, std::true_type) {
    if (snap && lessonl_out.holds(::lessonl_rt::address_of(caller), bytes())) drop(lessonl_watch());
  }
  void settle(lessonl_site *lessonl_s) { settle(lessonl_s, lessonl_watch()); }
  void settle(lessonl_site *, std::false_type) {}
  void settle(lessonl_site *lessonl_s, std::true_type) {
    if (snap && !unchanged(lessonl_s, std::integral_constant<bool, trivial>())) stale = true;
  }
  bool unchanged(lessonl_site *, std::true_type) const {
    return std::memcmp(static_cast<const void *>(snap), static_cast<const void *>(caller), bytes()) == 0;
  }
  bool unchanged(lessonl_site *lessonl_s, std::false_type) const {
    diff lessonl_d(lessonl_s, 0);
    return ::lessonl_rt::span_eq(const_cast<const elem *>(snap), const_cast<const elem *>(caller), count, lessonl_d) &&
           !lessonl_d.c.uncomparable;
  }
  void compare(diff &lessonl_d, int lessonl_bit, const char *lessonl_what) {
    compare_elements(lessonl_d, lessonl_bit, lessonl_what, lessonl_copies());
    compare_snapshot(lessonl_d, lessonl_bit, lessonl_what, lessonl_watch());
  }
  void compare_elements(diff &, int, const char *, std::false_type) {}
  void compare_elements(diff &lessonl_d, int lessonl_bit, const char *lessonl_what, std::true_type) {
    if (lessonl_d.c.found || orig == caller || !caller) return;
    lessonl_d.root(::lessonl_rt::span_eq(const_cast<const elem *>(orig), const_cast<const elem *>(caller), count, lessonl_d),
                   lessonl_bit, lessonl_what);
  }
  void compare_snapshot(diff &, int, const char *, std::false_type) {}
  void compare_snapshot(diff &lessonl_d, int lessonl_bit, const char *lessonl_what, std::true_type) {
    if (!snap || stale || lessonl_d.c.found || (trivial && unchanged(lessonl_d.c.site, std::true_type()))) return;
    ::lessonl_rt::compare_unchanged(
        lessonl_d, ::lessonl_rt::span_eq(const_cast<const elem *>(snap), const_cast<const elem *>(caller), count, lessonl_d),
        lessonl_bit, lessonl_what);
  }
};

/* [check] ignore: the slot still gives the original its own copy where it can (else both get
   the caller's argument), but nothing is snapshot or compared, and no copy is required. */
template <class LessonlS> struct ignored : LessonlS {
  template <class... LessonlA> explicit ignored(LessonlA &&... lessonl_a) : LessonlS(static_cast<LessonlA &&>(lessonl_a)...) {}
  bool ready(lessonl_site *, int, const char *) const { return true; }
  void compare(diff &, int, const char *) {}
  void watch() {}
  template <class LessonlO> void spare(const LessonlO &) {}
  void settle(lessonl_site *) {}
  bool kept() const { return false; }
  void scan_kept(diff &) const {}
};

/* Whether a returned type is (or holds outside containers: pair, tuple) a floating scalar,
   whose comparison needs the input scale. */
template <class LessonlT, int LessonlI, int LessonlN> struct any_float_element;
template <class LessonlT, class = void>
struct float_scalar : std::integral_constant<bool, std::is_floating_point<LessonlT>::value || is_complex<LessonlT>::value> {};
template <class LessonlT>
struct float_scalar<LessonlT, typename std::enable_if<(tuple_arity<LessonlT>::value > 0) && !is_range<LessonlT>::value>::type>
    : any_float_element<LessonlT, 0, tuple_arity<LessonlT>::value> {};
template <class LessonlT, int LessonlI, int LessonlN>
struct any_float_element
    : std::integral_constant<bool, float_scalar<typename std::remove_cv<typename std::remove_reference<
                                       typename std::tuple_element<LessonlI, LessonlT>::type>::type>::type>::value ||
                                       any_float_element<LessonlT, LessonlI + 1, LessonlN>::value> {};
template <class LessonlT, int LessonlN> struct any_float_element<LessonlT, LessonlN, LessonlN> : std::false_type {};
template <class LessonlR>
struct returns_float : float_scalar<typename std::remove_cv<typename std::remove_reference<LessonlR>::type>::type> {};

/* When parameter `in` lies inside what `out` copied for the original, the original sees it
   in the copy at the same place, so an in-place call stays in place (first match wins). */
template <class LessonlIn, class LessonlOut> void alias_impl(LessonlIn &, LessonlOut &, std::false_type) {}
template <class LessonlIn, class LessonlOut>
void alias_impl(LessonlIn &lessonl_in, LessonlOut &lessonl_out, std::true_type) {
  typedef typename LessonlOut::elem lessonl_e;
  lessonl_e *lessonl_copy = lessonl_out.copy();
  if (!lessonl_copy || lessonl_in.redirected || !lessonl_in.caller || !lessonl_out.caller) return;
  const char *lessonl_i = ::lessonl_rt::address_of(lessonl_in.caller);
  const char *lessonl_o = ::lessonl_rt::address_of(lessonl_out.caller);
  long long lessonl_size = static_cast<long long>(sizeof(lessonl_e));
  long long lessonl_on = lessonl_out.extent(), lessonl_inn = lessonl_in.extent();
  if (lessonl_i < lessonl_o || lessonl_i >= lessonl_o + lessonl_on * lessonl_size) return;
  long long lessonl_off = static_cast<long long>(lessonl_i - lessonl_o);
  if (lessonl_off % lessonl_size) return;
  if (lessonl_inn <= 0 ? lessonl_off != 0 : lessonl_off + lessonl_inn * lessonl_size > lessonl_on * lessonl_size) return;
  lessonl_in.orig = lessonl_copy + lessonl_off / lessonl_size;
  lessonl_in.redirected = true;
}
template <class LessonlIn, class LessonlOut> void alias(LessonlIn &lessonl_in, LessonlOut &lessonl_out) {
  ::lessonl_rt::alias_impl(lessonl_in, lessonl_out,
             std::integral_constant<bool, std::is_same<typename LessonlIn::elem, typename LessonlOut::elem>::value &&
                                              std::is_object<typename LessonlIn::elem>::value>());
}

/* ---- the outcome of one version: a value, a reference, nothing, or an exception ---- */

#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
#define LESSONL_TRY try
#define LESSONL_CATCH_ALL(lessonl_self)                                  \
  catch (const std::exception &lessonl_e) {                              \
    lessonl_self.threw = true;                                           \
    lessonl_self.what = lessonl_e.what();                                \
    lessonl_self.error = std::current_exception();                       \
  }                                                                      \
  catch (...) {                                                          \
    lessonl_self.threw = true;                                           \
    lessonl_self.error = std::current_exception();                       \
  }
#define LESSONL_RETHROW(lessonl_self) \
  if (lessonl_self.threw) std::rethrow_exception(lessonl_self.error)
#else
#define LESSONL_TRY if (true)
#define LESSONL_CATCH_ALL(lessonl_self)
#define LESSONL_RETHROW(lessonl_self)
#endif

struct outcome_base {
  bool threw;
  std::string what;
#if defined(__cpp_exceptions) || defined(__EXCEPTIONS)
  std::exception_ptr error;
#endif
  outcome_base() : threw(false) {}
};

template <class LessonlR> struct outcome : outcome_base {
  alignas(LessonlR) unsigned char store[sizeof(LessonlR)];
  LessonlR *value;
  outcome() : value(0) {}
  outcome(const outcome &) = delete;
  outcome &operator=(const outcome &) = delete;
  ~outcome() { if (value) value->~LessonlR(); }
  template <class LessonlF> void run(LessonlF &&lessonl_f) {
    LESSONL_TRY { value = ::new (static_cast<void *>(store)) LessonlR(lessonl_f()); }
    LESSONL_CATCH_ALL((*this))
  }
  LessonlR get() {
    LESSONL_RETHROW((*this));
    return static_cast<LessonlR &&>(*value);
  }
};
template <class LessonlR> struct outcome<LessonlR &> : outcome_base {
  LessonlR *value;
  outcome() : value(0) {}
  template <class LessonlF> void run(LessonlF &&lessonl_f) {
    LESSONL_TRY { value = &lessonl_f(); }
    LESSONL_CATCH_ALL((*this))
  }
  LessonlR &get() {
    LESSONL_RETHROW((*this));
    return *value;
  }
};
template <class LessonlR> struct outcome<LessonlR &&> : outcome_base {
  LessonlR *value;
  outcome() : value(0) {}
  template <class LessonlF> void run(LessonlF &&lessonl_f) {
    LESSONL_TRY {
      LessonlR &&lessonl_r = lessonl_f();
      value = &lessonl_r;
    }
    LESSONL_CATCH_ALL((*this))
  }
  LessonlR &&get() {
    LESSONL_RETHROW((*this));
    return static_cast<LessonlR &&>(*value);
  }
};
template <> struct outcome<void> : outcome_base {
  void *value;
  outcome() : value(0) {}
  template <class LessonlF> void run(LessonlF &&lessonl_f) {
    LESSONL_TRY { lessonl_f(); }
    LESSONL_CATCH_ALL((*this))
  }
  void get() { LESSONL_RETHROW((*this)); }
};

/* Whether both returned (then compare what they left); a throw on one side only is the difference. */
inline bool both_returned(diff &lessonl_d, const outcome_base &lessonl_o, const outcome_base &lessonl_c) {
  if (lessonl_o.threw == lessonl_c.threw) return !lessonl_o.threw;
  std::string lessonl_x = !lessonl_o.threw ? "returned normally"
                          : lessonl_o.what.empty() ? "threw an exception" : "threw " + ::lessonl_rt::quote_text(lessonl_o.what);
  std::string lessonl_y = !lessonl_c.threw ? "returned normally"
                          : lessonl_c.what.empty() ? "threw an exception" : "threw " + ::lessonl_rt::quote_text(lessonl_c.what);
  lessonl_d.differ(lessonl_x, lessonl_y);
  lessonl_copy_text(lessonl_d.c.path, sizeof lessonl_d.c.path, "exception");
  return false;
}

template <class LessonlR> struct returned {
  typedef typename std::remove_cv<typename std::remove_reference<LessonlR>::type>::type lessonl_v;
  template <class LessonlO> static void compare(diff &lessonl_d, LessonlO &lessonl_o, LessonlO &lessonl_c) {
    if (lessonl_d.c.found || !lessonl_o.value || !lessonl_c.value) return;
    const lessonl_v &lessonl_x = *lessonl_o.value, &lessonl_y = *lessonl_c.value;
    lessonl_d.root(::lessonl_rt::eq(lessonl_x, lessonl_y, lessonl_d), 0, "return value");
  }
};
template <> struct returned<void> {
  template <class LessonlO> static void compare(diff &, LessonlO &, LessonlO &) {}
};

/* Whether the two results are not the same bytes (then a floating one needs the input scale);
   a result that cannot be looked at that way counts as different. */
template <class LessonlV> bool same_value_bytes(const LessonlV &lessonl_a, const LessonlV &lessonl_b, std::true_type) {
  return std::memcmp(static_cast<const void *>(&lessonl_a), static_cast<const void *>(&lessonl_b), sizeof(LessonlV)) == 0;
}
template <class LessonlV> bool same_value_bytes(const LessonlV &, const LessonlV &, std::false_type) { return false; }
template <class LessonlR> bool differs(const outcome<LessonlR> &lessonl_o, const outcome<LessonlR> &lessonl_c) {
  typedef typename std::remove_cv<typename std::remove_reference<LessonlR>::type>::type lessonl_v;
  if (!lessonl_o.value || !lessonl_c.value) return false;
  return !::lessonl_rt::same_value_bytes(static_cast<const lessonl_v &>(*lessonl_o.value), static_cast<const lessonl_v &>(*lessonl_c.value),
                                         std::integral_constant<bool, std::is_trivially_copyable<lessonl_v>::value>());
}
inline bool differs(const outcome<void> &, const outcome<void> &) { return false; }

template <class LessonlR> void compare_return(diff &lessonl_d, outcome<LessonlR> &lessonl_o, outcome<LessonlR> &lessonl_c) {
  typedef typename std::remove_reference<LessonlR>::type lessonl_r;
  returned<typename std::conditional<std::is_pointer<lessonl_r>::value, void, LessonlR>::type>::compare(lessonl_d, lessonl_o,
                                                                                                       lessonl_c);
}

/* A returned pointer with a declared count ([check] lengths "return"): its elements. */
template <class LessonlR> void compare_return_span(diff &lessonl_d, outcome<LessonlR> &lessonl_o, outcome<LessonlR> &lessonl_c,
                                                  long long lessonl_n) {
  typedef typename std::remove_pointer<typename std::remove_reference<LessonlR>::type>::type lessonl_pointee;
  typedef typename std::remove_cv<lessonl_pointee>::type lessonl_e;
  if (lessonl_d.c.found || !lessonl_o.value || !lessonl_c.value || !*lessonl_o.value || !*lessonl_c.value) return;
  const lessonl_e *lessonl_x = *lessonl_o.value, *lessonl_y = *lessonl_c.value;
  lessonl_d.root(::lessonl_rt::span_eq(lessonl_x, lessonl_y, lessonl_n, lessonl_d), 0, "return value");
}

/* The thread's mode for one site (0 outside, 1 in the original, 2 in the rewrite), restored on exit. */
struct mode_guard {
  int &mode;
  int previous;
  explicit mode_guard(int &lessonl_m) : mode(lessonl_m), previous(lessonl_m) {}
  ~mode_guard() { mode = previous; }
  mode_guard(const mode_guard &) = delete;
  mode_guard &operator=(const mode_guard &) = delete;
  void set(int lessonl_m) { mode = lessonl_m; }
};
