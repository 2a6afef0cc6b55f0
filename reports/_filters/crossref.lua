-- Numbered figure and table captions and @fig- / @tbl- cross-references, as Quarto renders them,
-- for the built-in renderer (llo/reporting/qmd.py). Labels in Dutch: Figuur, Tabel. One Markdown text
-- becomes HTML, DOCX and Typst (PDF): callouts and images are shaped per writer (FORMAT) below.
local PREFIX = { fig = "Figuur", tbl = "Tabel" }
local numbers = {}
local counts = { fig = 0, tbl = 0 }

local function kind(identifier)
  return identifier and identifier:match("^(%a+)%-") or nil
end

local function number(identifier)
  local k = kind(identifier)
  if not PREFIX[k] or numbers[identifier] then return end
  counts[k] = counts[k] + 1
  numbers[identifier] = counts[k]
end

local function prefixed(identifier, caption)
  local k = kind(identifier)
  local label = pandoc.Str(PREFIX[k] .. "\u{a0}" .. numbers[identifier] .. ":")
  local content = { label, pandoc.Space() }
  for _, inline in ipairs(caption) do table.insert(content, inline) end
  return content
end

local function caption_of(block)
  return block.caption and block.caption.long and block.caption.long[1]
end

-- First pass: give every figure and table its number, in document order.
local function collect(doc)
  doc:walk {
    Figure = function(f) number(f.identifier) end,
    Table = function(t) number(t.identifier) end,
  }
  if FORMAT == "typst" then
    -- the captions carry their numbers from this filter: Typst must not number them again
    table.insert(doc.blocks, 1, pandoc.RawBlock("typst", "#set figure(numbering: none)"))
  end
  return doc
end

local function caption(block)
  local first = caption_of(block)
  if numbers[block.identifier] and first then
    first.content = prefixed(block.identifier, first.content)
  end
  return block
end

local function reference(cite)
  local id = cite.citations[1].id
  if #cite.citations == 1 and numbers[id] then
    return pandoc.Link(PREFIX[kind(id)] .. "\u{a0}" .. numbers[id], "#" .. id)
  end
end

-- Quarto's fig-alt: the image's alternative text (its description), the caption stays the figure's.
local function alt_text(image)
  local alt = image.attributes["fig-alt"]
  if alt then
    image.attributes["fig-alt"] = nil
    image.caption = pandoc.Inlines(pandoc.Str(alt))
  end
  -- on paper a chart spans the text width (its pixel size would say nothing about the page)
  if FORMAT ~= "html" and FORMAT ~= "html5" and not image.attributes["width"] then
    image.attributes["width"] = "100%"
  end
  return image
end

local CALLOUT = { note = "Let op", tip = "Tip", warning = "Waarschuwing", important = "Belangrijk",
                  caution = "Voorzichtig" }

-- The callout's colours (rule, background) as in reports/_style.css, for the Typst box.
local COLOURS = { warning = { "#b7791f", "#fffaf0" }, important = { "#c53030", "#fff5f5" },
                  caution = { "#c53030", "#fff5f5" } }

local function callout(div)
  for _, class in ipairs(div.classes) do
    local k = class:match("^callout%-(%a+)$")
    if k then
      local title = div.attributes["title"] or CALLOUT[k] or k
      div.attributes["title"] = nil
      local header = pandoc.Div(pandoc.Plain(pandoc.Strong(title)), { class = "callout-title" })
      table.insert(div.content, 1, header)
      div.classes:insert("callout")
      if FORMAT == "docx" then
        div.attributes["custom-style"] = "Kader"  -- a paragraph style of reports/_referentie.docx
      elseif FORMAT == "typst" then
        local rule, fill = table.unpack(COLOURS[k] or { "#0b4f6c", "#f0f7fa" })
        return {
          pandoc.RawBlock("typst", string.format('#block(width: 100%%, inset: 8pt, fill: rgb("%s"), ' ..
            'stroke: (left: 3pt + rgb("%s")), breakable: false)[', fill, rule)),
          div,
          pandoc.RawBlock("typst", "]"),
        }
      end
      return div
    end
  end
end

return {
  { Pandoc = collect },
  { Image = alt_text },
  { Figure = caption, Table = caption, Cite = reference, Div = callout },
}
