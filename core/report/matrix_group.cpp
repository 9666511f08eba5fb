#include "core/report/matrix_group.h"

namespace ctscope {

MatrixGroup matrixGroup(MatrixType t) {
    switch (t) {
        case Role::Q:
        case Role::K:
        case Role::V:
        case Role::O:
            return MatrixGroup::Attention;
        case Role::Gate:
        case Role::Up:
        case Role::Down:
            return MatrixGroup::Mlp;
        default:
            return MatrixGroup::Embedding;
    }
}

const char* matrixGroupName(MatrixGroup g) {
    switch (g) {
        case MatrixGroup::Attention:
            return "attention";
        case MatrixGroup::Mlp:
            return "MLP";
        case MatrixGroup::Embedding:
            return "embeddings";
    }
    return "";
}

}  // namespace ctscope
