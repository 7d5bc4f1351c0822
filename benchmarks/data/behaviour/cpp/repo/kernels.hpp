#pragma once
#include <cstddef>
#include <map>
#include <string>
#include <vector>

double dot(const std::vector<double>& a, const std::vector<double>& b);
long long sum_squares(const std::vector<int>& v);
long long sum_abs(const std::vector<int>& v);
void scale_into(const std::vector<double>& in, std::vector<double>& out, double s);
double median(std::vector<double>& v);
double mean(const std::vector<double>& v);
std::vector<double> moving_average(const std::vector<double>& x, std::size_t w);
std::string join(const std::vector<std::string>& parts, const std::string& sep);
std::map<std::string, int> word_counts(const std::string& text);
