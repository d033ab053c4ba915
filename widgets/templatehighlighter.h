// SPDX-License-Identifier: MIT
#pragma once

#include <QSyntaxHighlighter>

namespace assay::widgets {

/// Highlights {{variables}} (and their | filters) in prompt template text, and `\{{` escapes. GUI thread only.
class TemplateHighlighter : public QSyntaxHighlighter {
    Q_OBJECT
public:
    explicit TemplateHighlighter(QTextDocument* document);

protected:
    void highlightBlock(const QString& text) override;
};

} // namespace assay::widgets
