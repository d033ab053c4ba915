// SPDX-License-Identifier: MIT
#include "templatehighlighter.h"

#include <QGuiApplication>
#include <QPalette>
#include <QRegularExpression>

namespace assay::widgets {

TemplateHighlighter::TemplateHighlighter(QTextDocument* document)
    : QSyntaxHighlighter(document)
{
}

void TemplateHighlighter::highlightBlock(const QString& text)
{
    static const QRegularExpression variable(QStringLiteral(R"((?<!\\)\{\{\s*([^}|]*?)\s*(\|[^}]*)?\}\})"));
    const bool dark = QGuiApplication::palette().color(QPalette::Base).lightness() < 128;
    QTextCharFormat braces;
    braces.setForeground(dark ? QColor(0x9c, 0xdc, 0xfe) : QColor(0x00, 0x55, 0xaa));
    QTextCharFormat name = braces;
    name.setFontWeight(QFont::Bold);
    name.setBackground(dark ? QColor(0x1e, 0x3a, 0x5a) : QColor(0xe3, 0xef, 0xfb));
    QTextCharFormat filter = braces;
    filter.setForeground(dark ? QColor(0xc5, 0x86, 0xc0) : QColor(0x80, 0x30, 0x90));
    for (auto it = variable.globalMatch(text); it.hasNext();) {
        const QRegularExpressionMatch m = it.next();
        setFormat(static_cast<int>(m.capturedStart()), static_cast<int>(m.capturedLength()), braces);
        setFormat(static_cast<int>(m.capturedStart(1)), static_cast<int>(m.capturedLength(1)), name);
        if (m.capturedLength(2) > 0)
            setFormat(static_cast<int>(m.capturedStart(2)), static_cast<int>(m.capturedLength(2)), filter);
    }
}

} // namespace assay::widgets
