-- Drives the LessonL language server from headless Neovim (0.7+ API: start_client +
-- buf_attach_client) and writes what the server answered to $LESSONL_OUT as JSON.
-- Inputs (environment): LESSONL_CMD (JSON list), LESSONL_ROOT, LESSONL_FILE, LESSONL_LINE (0-based),
-- LESSONL_FILETYPE (default cpp), LESSONL_CODELENS=1: also refresh and record the code lenses.
local out_path = os.getenv("LESSONL_OUT")
local root = os.getenv("LESSONL_ROOT")
local file = os.getenv("LESSONL_FILE")
local line = tonumber(os.getenv("LESSONL_LINE"))
local cmd = vim.fn.json_decode(os.getenv("LESSONL_CMD"))
local report = { errors = {} }

local function finish()
  local f = assert(io.open(out_path, "w"))
  f:write(vim.fn.json_encode(report))
  f:close()
  vim.cmd("qall!")
end

local function fail(message)
  table.insert(report.errors, message)
  finish()
end

vim.cmd("edit " .. vim.fn.fnameescape(file))
vim.bo.filetype = os.getenv("LESSONL_FILETYPE") or "cpp"
local bufnr = vim.api.nvim_get_current_buf()
local uri = vim.uri_from_bufnr(bufnr)

local client_id = vim.lsp.start_client({
  name = "lessonl",
  cmd = cmd,
  root_dir = root,
  workspace_folders = { { uri = vim.uri_from_fname(root), name = "repo" } },
  on_init = function(_, result) report.server_info = result.serverInfo end,
  handlers = {
    ["window/showMessage"] = function(_, params) table.insert(report.messages, params.message) end,
  },
})
report.messages = {}
if not client_id then return fail("start_client returned nil") end
vim.lsp.buf_attach_client(bufnr, client_id)
local client = vim.lsp.get_client_by_id(client_id)
if not vim.wait(15000, function() return client.initialized end, 20) then
  return fail("server did not initialize within 15 s")
end

local pos = { line = line, character = 4 }
local actions = client.request_sync("textDocument/codeAction", {
  textDocument = { uri = uri },
  range = { start = pos, ["end"] = pos },
  context = { diagnostics = {} },
}, 15000, bufnr)
if not actions or actions.err then return fail("codeAction failed: " .. vim.inspect(actions)) end
report.code_actions = actions.result

local hover = client.request_sync("textDocument/hover", { textDocument = { uri = uri }, position = pos }, 15000, bufnr)
if not hover or hover.err then return fail("hover failed: " .. vim.inspect(hover)) end
report.hover = hover.result

-- Run the command the "Show lessons" action carries, as Neovim would when it is picked.
for _, action in ipairs(report.code_actions or {}) do
  local command = action.command
  if command and command.command == "lessonl.showLessons" then
    local done = client.request_sync("workspace/executeCommand",
      { command = command.command, arguments = command.arguments }, 15000, bufnr)
    report.show_lessons = done and done.result or vim.NIL
  end
end

-- Code lenses the way Neovim shows them: vim.lsp.codelens.refresh() asks the server, the
-- answer is kept per buffer (codelens.get) and drawn as virtual text at the end of the lines.
if os.getenv("LESSONL_CODELENS") == "1" then
  vim.lsp.codelens.refresh()
  vim.wait(15000, function() return #vim.lsp.codelens.get(bufnr) > 0 end, 50)
  report.code_lenses = {}
  for _, lens in ipairs(vim.lsp.codelens.get(bufnr)) do
    table.insert(report.code_lenses, { line = lens.range.start.line, title = lens.command and lens.command.title,
                                       command = lens.command and lens.command.command })
  end
  vim.wait(500)
  report.lens_virtual_text = {}
  for _, ns in pairs(vim.api.nvim_get_namespaces()) do
    for _, mark in ipairs(vim.api.nvim_buf_get_extmarks(bufnr, ns, 0, -1, { details = true })) do
      local details = mark[4]
      if details and details.virt_text then
        local text = ""
        for _, chunk in ipairs(details.virt_text) do text = text .. chunk[1] end
        table.insert(report.lens_virtual_text, { line = mark[2], text = text })
      end
    end
  end
end

client.stop()
vim.wait(5000, function() return client.is_stopped() end, 20)
finish()
