#pragma once
#include <stddef.h>
#include <stdint.h>

double axpy_sum(double a, const double *x, double *y, size_t n);
uint64_t sum_u32(const uint32_t *x, size_t n);
void quantize(const int *in, int *out, size_t n);
void delta_encode(const long *in, long *out, size_t n);
double max_value(const double *x, size_t n);
long find_index(const int *a, size_t n, int key);
float norm_f32(const float *x, size_t n);
size_t count_unique(int *a, size_t n);
