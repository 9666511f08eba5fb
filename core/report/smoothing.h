#pragma once
/// Smoothing of loss curves for display: TensorBoard's debiased exponential
/// moving average. Qt-free; any thread.
#include <vector>

namespace ctscope {

/// TensorBoard's scalar smoothing: s_t = w·s_{t−1} + (1 − w)·y_t with s_0 = 0,
/// shown as s_t / (1 − wᵗ), where t counts the finite points seen so far (so
/// the first point is y_1 itself, not pulled towards 0). Non-finite points
/// pass through unchanged and leave the average alone. `weight` is clamped
/// to [0, 0.999]; 0 returns `y` unchanged. Same length as `y`.
std::vector<double> smoothEma(const std::vector<double>& y, double weight);

} // namespace ctscope
