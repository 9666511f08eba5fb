#pragma once
/// Thin wrappers over BLAS/LAPACK (OpenBLAS) for the spectral engine.
/// All matrices are row-major doubles unless stated.
#include <cstdint>
#include <vector>

namespace ctscope::linalg {

/// G (n×n, upper triangle) += AᵀA for A (k×n, row-major float). Works in row
/// blocks so the double copy stays small. G is symmetrised by symmetrize().
void addGramInputSide(const float* a, int64_t k, int64_t n, double* g);
/// G (m×m, upper triangle) += AAᵀ for A (m×k, row-major float).
void addGramOutputSide(const float* a, int64_t m, int64_t k, double* g);
/// Copies the upper triangle into the lower one.
void symmetrize(double* g, int64_t n);

/// Eigenvalues of a symmetric n×n matrix, descending. `a` is destroyed.
std::vector<double> eigenvalues(double* a, int64_t n);
/// Eigen-decomposition in place: returns eigenvalues descending and leaves in
/// `a` the eigenvectors as rows (row i ↔ eigenvalue i).
std::vector<double> eigenDecompose(double* a, int64_t n);

/// diag(Bᵀ G B) restricted to basis rows: c_i = b_iᵀ G b_i, where b_i is row i
/// of `basisRows` (n×n). G symmetric n×n.
std::vector<double> diagQuadratic(const double* g, const double* basisRows, int64_t n);

/// Sets the BLAS thread count (OpenBLAS is process-global).
void setBlasThreads(int n);
int blasThreads();

} // namespace ctscope::linalg
