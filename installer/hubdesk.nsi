; HubDesk Windows installer (NSIS 3, Modern UI 2).
;
; Per-user: installs to %LOCALAPPDATA%\Programs\HubDesk, needs no administrator
; rights, adds a Start-menu shortcut and an "Apps & features" entry for this user.
; The uninstaller removes the program and KEEPS the user's HubDesk data
; (%LOCALAPPDATA%\HubDesk\HubDesk, where the records, backups and logs live)
; unless the user ticks "Also remove my HubDesk data" (or IT passes /REMOVEDATA
; to a silent uninstall: uninstall.exe /S /REMOVEDATA).
;
; Build from the PyInstaller one-folder bundle:
;   makensis -DVERSION=0.1.0 -DSRCDIR=dist\hubdesk -DOUTFILE=dist\HubDesk-0.1.0-setup.exe installer\hubdesk.nsi
; (.ci/build_bundle.sh compiles it against the Linux bundle layout to prove it is valid.)
; Silent install for IT: HubDesk-0.1.0-setup.exe /S

Unicode true
ManifestDPIAware true
; Release builds: solid LZMA (smallest download, about 2 minutes on 2 cores).
; The CI validity check passes -DNOCOMPRESS (seconds); -DCOMPRESSION=zlib is
; in between.
!ifdef NOCOMPRESS
  SetCompress off
!else
  !ifndef COMPRESSION
    !define COMPRESSION "/SOLID lzma"
  !endif
  SetCompressor ${COMPRESSION}
!endif
RequestExecutionLevel user

!ifndef VERSION
  !error "Pass the version: makensis -DVERSION=x.y.z ..."
!endif
!ifndef SRCDIR
  !define SRCDIR "..\dist\hubdesk"
!endif
!ifndef OUTFILE
  !define OUTFILE "..\dist\HubDesk-${VERSION}-setup.exe"
!endif
!ifndef ICON
  !define ICON "..\resources\icons\hubdesk.ico"
!endif
; Windows wants four numbers in VIProductVersion; pass -DVERSION4=1.2.3.0 when
; VERSION is not plain x.y.z.
!ifndef VERSION4
  !define VERSION4 "${VERSION}.0"
!endif

!define APPNAME "HubDesk"
!define PUBLISHER "HubDesk"
!ifndef EXENAME
  !define EXENAME "hubdesk.exe"  ; the Linux layout check passes -DEXENAME=hubdesk
!endif
!define UNINSTKEY "Software\Microsoft\Windows\CurrentVersion\Uninstall\HubDesk"
; platformdirs.user_data_dir("HubDesk", "HubDesk") on Windows (hubdesk/core/paths.py)
!define DATAROOT "$LOCALAPPDATA\HubDesk"
!define DATADIR "$LOCALAPPDATA\HubDesk\HubDesk"
!define DEMODIR "$LOCALAPPDATA\HubDesk\HubDesk-demo"

!include "MUI2.nsh"
!include "LogicLib.nsh"
!include "FileFunc.nsh"
!include "nsDialogs.nsh"

Name "${APPNAME}"
OutFile "${OUTFILE}"
InstallDir "$LOCALAPPDATA\Programs\HubDesk"
InstallDirRegKey HKCU "Software\HubDesk" "InstallDir"
BrandingText "${APPNAME} ${VERSION}"

!define MUI_ICON "${ICON}"
!define MUI_UNICON "${ICON}"
!define MUI_ABORTWARNING
!define MUI_FINISHPAGE_RUN "$INSTDIR\${EXENAME}"
!define MUI_FINISHPAGE_RUN_TEXT "Open HubDesk now"

!insertmacro MUI_PAGE_WELCOME
!insertmacro MUI_PAGE_DIRECTORY
!insertmacro MUI_PAGE_INSTFILES
!insertmacro MUI_PAGE_FINISH

!insertmacro MUI_UNPAGE_CONFIRM
UninstPage custom un.DataPageShow un.DataPageLeave
!insertmacro MUI_UNPAGE_INSTFILES

!insertmacro MUI_LANGUAGE "English"

VIProductVersion "${VERSION4}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductName" "${APPNAME}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "ProductVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileVersion" "${VERSION}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "FileDescription" "${APPNAME} installer"
VIAddVersionKey /LANG=${LANG_ENGLISH} "CompanyName" "${PUBLISHER}"
VIAddVersionKey /LANG=${LANG_ENGLISH} "LegalCopyright" "MIT licence"

Var RemoveData
Var RemoveDataBox

; Windows will not delete a running program's file: if deleting hubdesk.exe
; fails, HubDesk is open, and replacing or removing its files now would break it.
!macro CloseHubDeskFirst
  retry_close:
  ClearErrors
  ${If} ${FileExists} "$INSTDIR\${EXENAME}"
    Delete "$INSTDIR\${EXENAME}"
    ${If} ${Errors}
      MessageBox MB_RETRYCANCEL|MB_ICONEXCLAMATION "HubDesk is still open. Close it (your records are saved), then choose Retry." /SD IDCANCEL IDRETRY retry_close
      Abort "HubDesk is still open."
    ${EndIf}
  ${EndIf}
!macroend

Section "HubDesk" SecMain
  SectionIn RO
  SetShellVarContext current
  SetOutPath "$INSTDIR"
  !insertmacro CloseHubDeskFirst
  ; An upgrade replaces the whole bundle, so no stale library from an older
  ; version is left beside the new one.  User data is elsewhere and untouched.
  RMDir /r "$INSTDIR\_internal"
  File "${SRCDIR}\${EXENAME}"
  ; the console twin for IT's scripts (hubdesk-cli status --json); Windows builds only
  !if /FileExists "${SRCDIR}\hubdesk-cli.exe"
    File "${SRCDIR}\hubdesk-cli.exe"
  !endif
  File /r "${SRCDIR}\_internal"
  WriteUninstaller "$INSTDIR\uninstall.exe"

  CreateDirectory "$SMPROGRAMS"
  CreateShortcut "$SMPROGRAMS\${APPNAME}.lnk" "$INSTDIR\${EXENAME}" "" "$INSTDIR\${EXENAME}" 0

  WriteRegStr HKCU "Software\HubDesk" "InstallDir" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayName" "${APPNAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayVersion" "${VERSION}"
  WriteRegStr HKCU "${UNINSTKEY}" "Publisher" "${PUBLISHER}"
  WriteRegStr HKCU "${UNINSTKEY}" "DisplayIcon" "$INSTDIR\${EXENAME}"
  WriteRegStr HKCU "${UNINSTKEY}" "InstallLocation" "$INSTDIR"
  WriteRegStr HKCU "${UNINSTKEY}" "UninstallString" '"$INSTDIR\uninstall.exe"'
  WriteRegStr HKCU "${UNINSTKEY}" "QuietUninstallString" '"$INSTDIR\uninstall.exe" /S'
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoModify" 1
  WriteRegDWORD HKCU "${UNINSTKEY}" "NoRepair" 1
  ${GetSize} "$INSTDIR" "/S=0K" $0 $1 $2
  IntFmt $0 "0x%08X" $0
  WriteRegDWORD HKCU "${UNINSTKEY}" "EstimatedSize" "$0"
SectionEnd

; --- uninstall ------------------------------------------------------------------

Function un.onInit
  SetShellVarContext current
  StrCpy $RemoveData ${BST_UNCHECKED}
  ${GetParameters} $0
  ClearErrors
  ${GetOptions} $0 "/REMOVEDATA" $1
  ${IfNot} ${Errors}
    StrCpy $RemoveData ${BST_CHECKED}
  ${EndIf}
FunctionEnd

Function un.DataPageShow
  !insertmacro MUI_HEADER_TEXT "Your HubDesk data" "Records, backups and logs on this computer"
  nsDialogs::Create 1018
  Pop $0
  ${If} $0 == error
    Abort
  ${EndIf}
  ${NSD_CreateLabel} 0 0 100% 48u "HubDesk keeps your records, backups and logs in$\r$\n${DATADIR}$\r$\n$\r$\nThey are kept unless you tick the box below. Records not yet sent to the server would be lost."
  Pop $0
  ${NSD_CreateCheckbox} 0 56u 100% 12u "Also remove my HubDesk data"
  Pop $RemoveDataBox
  ${NSD_SetState} $RemoveDataBox $RemoveData
  nsDialogs::Show
FunctionEnd

Function un.DataPageLeave
  ${NSD_GetState} $RemoveDataBox $RemoveData
FunctionEnd

Section "Uninstall"
  SetShellVarContext current
  !insertmacro CloseHubDeskFirst
  Delete "$SMPROGRAMS\${APPNAME}.lnk"
  ; Only what the installer put there: never RMDir /r a folder the user chose.
  RMDir /r "$INSTDIR\_internal"
  Delete "$INSTDIR\hubdesk-cli.exe"
  Delete "$INSTDIR\uninstall.exe"
  RMDir "$INSTDIR"
  DeleteRegKey HKCU "${UNINSTKEY}"
  DeleteRegKey HKCU "Software\HubDesk"
  ${If} $RemoveData == ${BST_CHECKED}
    RMDir /r "${DATADIR}"
    RMDir /r "${DEMODIR}"
    RMDir "${DATAROOT}"
    DetailPrint "Removed the HubDesk data in ${DATADIR}"
  ${Else}
    DetailPrint "Kept the HubDesk data in ${DATADIR}"
  ${EndIf}
SectionEnd
