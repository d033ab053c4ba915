// SPDX-License-Identifier: MIT
#include <cstdio>
int main() { std::puts("assay-cli " ASSAY_VERSION); return 0; }
